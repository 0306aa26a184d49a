//! Where bytes live: in memory ([`AlignedBytes`](crate::AlignedBytes),
//! [`from_bytes`](crate::from_bytes)), in a mapped file with its OS lock
//! ([`MappedFile`](crate::MappedFile), [`MappedFileMut`](crate::MappedFileMut)),
//! and in a file shared between processes ([`SharedWriter`](crate::SharedWriter),
//! [`SharedReader`](crate::SharedReader)); changing in place an image or file of
//! any version ([`ImageMut`](crate::ImageMut), [`AnyVersionMut`](crate::AnyVersionMut)).
//! Platform code is in `unix.rs` and
//! `windows.rs`. Imports `format`, `access` and `dynamic`.

pub(crate) mod bytes;
pub(crate) mod dyn_file;
pub(crate) mod file;
pub(crate) mod in_place;
pub(crate) mod lock;
pub(crate) mod map;
pub(crate) mod open;
pub(crate) mod options;
#[cfg_attr(unix, path = "unix.rs")]
#[cfg_attr(windows, path = "windows.rs")]
pub(crate) mod os;
pub(crate) mod shared;
