//! Reading a file without its Rust types: the layout comes from the file's
//! embedded schema ([`DynLayout`]), the object graph is validated by it as a
//! typed open validates, and [`DynValue`] cursors read fields by name, index or
//! path (`hikes[3].gps_track[0].z`).
//!
//! Every read copies the bytes it needs out of the file after checking their
//! bounds, so a schema or a file that lies gives wrong values or `None`, never a
//! read outside the data.

pub(crate) mod compat;
pub(crate) mod convert;
pub(crate) mod decode;
pub(crate) mod names;
pub(crate) mod resolve;
pub(crate) mod store;
pub(crate) mod validate;
pub(crate) mod value;
