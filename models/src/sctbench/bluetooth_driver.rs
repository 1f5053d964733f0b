//! `bluetooth_driver`: a driver's stop routine races with an I/O request.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/bluetooth_driver_bad.c`, a model of
//! a Windows Bluetooth driver from the KISS / ESBMC literature): a device has `pendingIo`
//! (starts at 1, for the device itself), `stoppingFlag` and `stoppingEvent`; a global `stopped`
//! says the device's resources are released. `BCSP_PnpStop` (a spawned thread) sets
//! `stoppingFlag`, decrements `pendingIo` and, if `stoppingEvent` got set, sets `stopped`.
//! `BCSP_PnpAdd` (run by `main`) increments `pendingIo` unless `stoppingFlag` is set, then —
//! doing "work" — asserts `!stopped`, then decrements. A decrement that reaches zero sets
//! `stoppingEvent`. Only the counter update is atomic (an `__ESBMC_atomic` section, a mutex).
//!
//! **Bug**: the check of `stoppingFlag` and the increment are not one atomic step. If `PnpAdd`
//! reads `stoppingFlag == false`, then `PnpStop` runs entirely (sets the flag, decrements
//! `pendingIo` from 1 to 0, sets `stoppingEvent`, sets `stopped`), and only then `PnpAdd`
//! increments and does its work, the assertion `!stopped` fails: I/O on a stopped device.
//!
//! **Port**: `pendingIo` lives in the mutex of the atomic sections; `stoppingFlag`,
//! `stoppingEvent` and `stopped`, which the C accesses without a lock, are facade atomics.
//! As in SCTBench's file, `main` runs `BCSP_PnpAdd` itself and joins the stop thread (PERIOD's
//! copy, on which PERIOD and RFF measured, runs `PnpAdd` in a second spawned thread instead).

use super::Threads;
use lockstep::sync::atomic::{AtomicBool, Ordering};
use lockstep::sync::{Arc, Mutex, Runtime};

struct Device<R: Runtime> {
    pending_io: Mutex<i32, R>,
    stopping_flag: AtomicBool<R>,
    stopping_event: AtomicBool<R>,
    /// The global `stopped`.
    stopped: AtomicBool<R>,
}

impl<R: Runtime> Device<R> {
    fn io_increment(&self) -> i32 {
        if self.stopping_flag.load(Ordering::SeqCst) {
            return -1;
        }
        *self.pending_io.lock() += 1;
        0
    }

    fn io_decrement(&self) {
        let pending_io = {
            let mut p = self.pending_io.lock();
            *p -= 1;
            *p
        };
        if pending_io == 0 {
            self.stopping_event.store(true, Ordering::SeqCst);
        }
    }

    fn pnp_add(&self) {
        let status = self.io_increment();
        if status == 0 {
            // Do work here.
            assert!(
                !self.stopped.load(Ordering::SeqCst),
                "BCSP_PnpAdd works on a stopped device"
            );
        }
        self.io_decrement();
    }

    fn pnp_stop(&self) {
        self.stopping_flag.store(true, Ordering::SeqCst);
        self.io_decrement();
        if self.stopping_event.load(Ordering::SeqCst) {
            // Release allocated resources.
            self.stopped.store(true, Ordering::SeqCst);
        }
    }
}

/// `bluetooth_driver_bad`.
pub fn bad<R: Runtime>() {
    let e: Arc<Device<R>, R> = Arc::new(Device {
        pending_io: Mutex::new(1),
        stopping_flag: AtomicBool::new(false),
        stopping_event: AtomicBool::new(false),
        stopped: AtomicBool::new(false),
    });
    let mut threads = Threads::<R>::new();
    let stop = e.clone();
    threads.spawn("BCSP_PnpStop", move || stop.pnp_stop());
    e.pnp_add();
    threads.join_all();
}
