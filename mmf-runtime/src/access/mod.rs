//! The [`Mapped`](crate::Mapped) trait and what its methods take: checked
//! references to a file image, the validator, the writer, views and in-place
//! views, and the trait's impls for built-in types. Imports `format`.
//!
//! The trait and the types in its signatures refer to each other: this is the
//! one place where modules import in a circle.

pub(crate) mod deep;
pub(crate) mod evolve;
pub(crate) mod file_ref;
pub(crate) mod impls;
pub(crate) mod map;
pub(crate) mod mapped;
pub(crate) mod tuple;
pub(crate) mod validate;
pub(crate) mod view;
pub(crate) mod write;
