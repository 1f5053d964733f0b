//! Feature-unification guard: this test binary links `lockstep` with the `loom`, `shuttle` and
//! `tokio` features switched on (the models crate and this crate ask for them, and cargo unifies
//! features across the workspace). Production code written against the default backends must
//! still get exactly std's and tokio's primitives. If a feature ever *switched* a type instead of
//! adding a backend, these `TypeId` comparisons would fail.

use lockstep::future::{AsyncRuntime, Tokio};
use lockstep::sync::{Loom, Runtime, Shuttle, Std};
use std::any::TypeId;
use std::mem::size_of;

fn same<A: 'static, B: 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

#[test]
fn checker_backends_are_present_in_this_build() {
    // Compiles only if the features are on: the guard below is meaningful.
    assert_eq!(<Loom as Runtime>::NAME, "loom");
    assert_eq!(<Shuttle as Runtime>::NAME, "shuttle");
}

#[test]
fn std_backend_is_made_of_std_types() {
    assert!(same::<<Std as Runtime>::Mutex<u32>, std::sync::Mutex<u32>>());
    assert!(same::<
        <Std as Runtime>::MutexGuard<'static, u32>,
        std::sync::MutexGuard<'static, u32>,
    >());
    assert!(same::<<Std as Runtime>::Condvar, std::sync::Condvar>());
    assert!(same::<<Std as Runtime>::RwLock<u32>, std::sync::RwLock<u32>>());
    assert!(same::<
        <Std as Runtime>::AtomicBool,
        std::sync::atomic::AtomicBool,
    >());
    assert!(same::<
        <Std as Runtime>::AtomicUsize,
        std::sync::atomic::AtomicUsize,
    >());
    assert!(same::<
        <Std as Runtime>::AtomicU64,
        std::sync::atomic::AtomicU64,
    >());
    assert!(same::<<Std as Runtime>::Arc<u32>, std::sync::Arc<u32>>());
    assert!(same::<
        <Std as Runtime>::JoinHandle<u32>,
        std::thread::JoinHandle<u32>,
    >());
    assert!(same::<<Std as Runtime>::Instant, std::time::Instant>());
    // And the checkers' types really are different (the comparison can fail).
    assert!(!same::<<Loom as Runtime>::Mutex<u32>, std::sync::Mutex<u32>>());
    assert!(!same::<
        <Shuttle as Runtime>::Mutex<u32>,
        std::sync::Mutex<u32>,
    >());
}

#[test]
fn default_type_parameters_are_the_production_backends() {
    assert!(same::<
        lockstep::sync::Mutex<u32>,
        lockstep::sync::Mutex<u32, Std>,
    >());
    assert!(same::<lockstep::sync::Condvar, lockstep::sync::Condvar<Std>>());
    assert!(same::<
        lockstep::future::Mutex<u32>,
        lockstep::future::Mutex<u32, Tokio>,
    >());
}

#[test]
fn facade_wrappers_add_no_space() {
    assert_eq!(
        size_of::<lockstep::sync::Mutex<u64>>(),
        size_of::<std::sync::Mutex<u64>>()
    );
    assert_eq!(
        size_of::<lockstep::sync::Condvar>(),
        size_of::<std::sync::Condvar>()
    );
    assert_eq!(
        size_of::<lockstep::sync::MutexGuard<'static, u64>>(),
        size_of::<std::sync::MutexGuard<'static, u64>>()
    );
    assert_eq!(
        size_of::<lockstep::sync::atomic::AtomicU64>(),
        size_of::<std::sync::atomic::AtomicU64>()
    );
    assert_eq!(
        size_of::<lockstep::sync::Arc<u64>>(),
        size_of::<std::sync::Arc<u64>>()
    );
}

#[test]
fn tokio_backend_is_made_of_tokio_types() {
    assert!(same::<
        <Tokio as AsyncRuntime>::Mutex<u32>,
        tokio::sync::Mutex<u32>,
    >());
    assert!(same::<<Tokio as AsyncRuntime>::Notify, tokio::sync::Notify>());
    assert!(same::<
        <Tokio as AsyncRuntime>::Sender<u32>,
        tokio::sync::mpsc::Sender<u32>,
    >());
    assert!(same::<
        <Tokio as AsyncRuntime>::Receiver<u32>,
        tokio::sync::mpsc::Receiver<u32>,
    >());
    assert!(same::<<Tokio as AsyncRuntime>::Instant, tokio::time::Instant>());
}
