//! OS file locks: taking one, waiting for one, and naming who holds it.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::format::error::{Error, Result};
use crate::storage::options::{Access, Wait, io_error};

/// Takes an OS lock on `file`; `holder` says who holds a conflicting one.
pub(crate) fn lock(
    file: &File,
    path: &Path,
    access: Access,
    wait: Wait,
    holder: &'static str,
) -> Result<()> {
    let try_lock = || match access {
        Access::Shared => file.try_lock_shared(),
        Access::Exclusive => file.try_lock(),
    };
    let deadline = match wait {
        Wait::Forever => {
            let locked = match access {
                Access::Shared => file.lock_shared(),
                Access::Exclusive => file.lock(),
            };
            return locked.map_err(io_error("cannot lock", path));
        }
        Wait::No => None,
        Wait::For(timeout) => Some((Instant::now(), timeout)),
    };
    // The OS has no timed lock: poll, sleeping a little longer each time.
    let mut pause = Duration::from_micros(100);
    loop {
        match try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::Error(source)) => return Err(io_error("cannot lock", path)(source)),
            Err(TryLockError::WouldBlock) => {}
        }
        let Some((start, timeout)) = deadline else {
            return Err(Error::Locked { path: path.to_owned(), holder });
        };
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(Error::LockTimeout { path: path.to_owned(), waited, holder });
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Who holds a lock that conflicts with one of mode `access` on a data file.
pub(crate) fn data_lock_holder(access: Access) -> &'static str {
    match access {
        Access::Shared => "another process is writing it",
        Access::Exclusive => "another process is reading or writing it",
    }
}
