//! Sharing one file between processes: one [`SharedWriter`] publishes new
//! versions while any number of [`SharedReader`]s, in any processes, read the
//! latest one — without blocking, without copying, and without ever seeing a
//! half-written version.
//!
//! # How it works
//!
//! Published bytes are never changed. The writer appends each new version
//! after the data in use (only the blocks that changed; unchanged blocks are
//! shared with the previous version), then switches the header's data length,
//! root offset and generation with atomic stores, the root last. A reader loads
//! those three words atomically and views the version they name; the bytes it
//! reads stay as they are for as long as it holds the view, whatever the writer
//! does meanwhile. So readers never retry, never wait and never see a mix of
//! two versions, and in Rust's memory model no byte is written while a
//! reference to it is live: the header words are only ever accessed atomically,
//! through raw pointers, and views cover only published bytes.
//!
//! Each reader validates every version it sees once, when it first sees it;
//! reading an already validated version costs three atomic loads.
//!
//! A writer killed at any moment leaves a file that opens to the last version
//! whose root offset was stored: the data length is stored before the root, and
//! both name complete data in every state the writer passes through.
//!
//! # Locks
//!
//! | who | data file | `<file>.lock` |
//! |---|---|---|
//! | [`SharedReader`], [`MappedFile`](crate::MappedFile) | shared | — |
//! | [`SharedWriter`] | shared | exclusive |
//! | [`MappedFileMut`](crate::MappedFileMut) (in-place writes) | exclusive | — |
//!
//! So one shared writer at a time, no in-place writer while anyone shares the
//! file, and nobody truncates a file that someone has mapped. The lock file
//! next to the data file is created on first use and left in place. Opening
//! by path follows a file that a create or a compaction replaced meanwhile
//! (see `storage/open.rs`).

pub(crate) mod edit;
pub(crate) mod reader;
pub(crate) mod writer;

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::format::error::Result;
use crate::format::header::FLAG_SUPERSEDED;
use crate::storage::lock::lock;
use crate::storage::open::sibling;
use crate::storage::options::{Access, Wait, io_error};

/// Opens `<path>.lock` and takes the writer lock on it.
fn take_writer_lock(path: &Path, wait: Wait) -> Result<File> {
    let lock_path = sibling(path, "lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io_error("cannot create the lock file", &lock_path))?;
    lock(&file, path, Access::Exclusive, wait, "another shared writer holds it")?;
    Ok(file)
}

/// [`FLAG_SUPERSEDED`] in the header word that holds the flags.
fn superseded_bits() -> u64 {
    let mut word = [0u8; 8];
    word[4..].copy_from_slice(&FLAG_SUPERSEDED.to_ne_bytes());
    u64::from_ne_bytes(word)
}
