//! What a file is: the 64-byte header, the embedded schema's encoding and hash,
//! the layout table that describes a stored type, the stored forms of strings,
//! lists and options, and the error type. Imports nothing above it.

pub(crate) mod diff;
pub(crate) mod error;
pub(crate) mod header;
pub(crate) mod layout;
pub(crate) mod notes;
pub(crate) mod padding;
pub(crate) mod raw;
pub mod schema;
pub(crate) mod tables;
pub mod tuple;
