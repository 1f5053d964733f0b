//! `account`: a deposit, a withdrawal and a checker on one bank balance.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/account_bad.c`, twin `account_ok.c`):
//! `main` sets `x = 1`, `y = 2`, `z = 4`, `balance = x`, then creates `check_result`, `deposit`
//! and `withdraw`. Each thread takes the one mutex for its whole body: `deposit` adds `y` to the
//! balance and sets `deposit_done`, `withdraw` subtracts `z` and sets `withdraw_done`, and
//! `check_result`, if both are done, asserts the final balance.
//!
//! **Bug**: the buggy checker asserts `balance == (x - y) - z` (−5) while the true final balance
//! is `(x + y) - z` (−1). Every access is under the lock, so there is no race: the assertion is
//! simply wrong, and it fails in every schedule where `check_result` takes the lock **after**
//! both `deposit` and `withdraw` (in the others it checks nothing). The `_ok` twin asserts
//! `(x + y) - z` and passes everywhere.
//!
//! **Port**: the balance, the operands and the two flags live inside the mutex that guards them
//! (`main` writes them before any thread exists, which the mutex's initial value expresses).
//! The original's `main` returns without joining; here it joins the three threads (as PERIOD's
//! copy of the program does), so a failure is always observed.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

struct Account {
    x: i32,
    y: i32,
    z: i32,
    balance: i32,
    deposit_done: bool,
    withdraw_done: bool,
}

fn account<R: Runtime>(buggy: bool) {
    let m: Arc<Mutex<Account, R>, R> = Arc::new(Mutex::new(Account {
        x: 1,
        y: 2,
        z: 4,
        balance: 1,
        deposit_done: false,
        withdraw_done: false,
    }));
    let mut threads = Threads::<R>::new();
    let check = m.clone();
    threads.spawn("check_result", move || {
        let a = check.lock();
        if a.deposit_done && a.withdraw_done {
            if buggy {
                assert!(
                    a.balance == (a.x - a.y) - a.z,
                    "balance {} != (x - y) - z",
                    a.balance
                );
            } else {
                assert!(
                    a.balance == (a.x + a.y) - a.z,
                    "balance {} != (x + y) - z",
                    a.balance
                );
            }
        }
    });
    let deposit = m.clone();
    threads.spawn("deposit", move || {
        let mut a = deposit.lock();
        a.balance += a.y;
        a.deposit_done = true;
    });
    let withdraw = m;
    threads.spawn("withdraw", move || {
        let mut a = withdraw.lock();
        a.balance -= a.z;
        a.withdraw_done = true;
    });
    threads.join_all();
}

/// `account_bad`: the checker asserts the wrong formula.
pub fn bad<R: Runtime>() {
    account::<R>(true)
}

/// `account_ok`: the checker asserts the right formula.
pub fn ok<R: Runtime>() {
    account::<R>(false)
}
