//! How files are opened: [`MapOptions`], and the lock modes and waits it sets.

use std::path::Path;
use std::time::Duration;

use memmap2::MmapOptions;

use crate::format::error::Error;

/// How to open and map a file: whether to wait for the lock, whether to fault
/// the pages in at once.
///
/// `MappedFile::open(path)` is `MapOptions::new().open(path)`; the options say
/// what differs.
///
/// # Example
///
/// ```
/// use mmf_runtime::{MapOptions, MappedFile, MappedFileMut};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("track.mmf");
/// drop(MappedFileMut::create(&path, &vec![1.5f64; 1000])?);
/// // Wait for a writer to finish, and read all pages in before returning.
/// let file: MappedFile<Vec<f64>> = MapOptions::new().wait(true).populate(true).open(&path)?;
/// assert_eq!(file.root().len(), 1000);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapOptions {
    pub(crate) wait: Wait,
    pub(crate) populate: bool,
}

/// What to do when another process holds a conflicting lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Fail at once with [`Error::Locked`].
    #[default]
    No,
    /// Wait as long as it takes.
    Forever,
    /// Wait at most this long, then fail with [`Error::LockTimeout`].
    For(Duration),
}

impl MapOptions {
    /// The defaults: fail at once if the lock is held; fault pages in lazily.
    pub fn new() -> Self {
        MapOptions::default()
    }

    /// Wait while another process holds a conflicting lock, instead of failing
    /// with [`Error::Locked`].
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = if wait { Wait::Forever } else { Wait::No };
        self
    }

    /// Wait at most `timeout` while another process holds a conflicting lock,
    /// then fail with [`Error::LockTimeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmf_runtime::{Error, MapOptions, MappedFileMut};
    ///
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let dir = tmp.path();
    /// let path = dir.join("busy.mmf");
    /// let writer = MappedFileMut::create(&path, &7u32)?;
    /// let waited = MapOptions::new().timeout(Duration::from_millis(20)).open::<u32>(&path);
    /// assert!(matches!(waited, Err(Error::LockTimeout { .. })));
    /// # drop(writer);
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.wait = Wait::For(timeout);
        self
    }

    /// Read every page of the file into the mapping before returning
    /// (`MAP_POPULATE` on Linux; ignored elsewhere): opening takes longer, the
    /// first pass over the data has no page faults.
    pub fn populate(mut self, populate: bool) -> Self {
        self.populate = populate;
        self
    }

    pub(crate) fn mmap_options(self) -> MmapOptions {
        let mut options = MmapOptions::new();
        if self.populate {
            options.populate();
        }
        options
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Shared,
    Exclusive,
}

pub(crate) fn io_error<'p>(
    action: &'static str,
    path: &'p Path,
) -> impl FnOnce(std::io::Error) -> Error + 'p {
    move |source| Error::Io { action, path: path.to_owned(), source }
}
