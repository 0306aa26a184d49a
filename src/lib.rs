pub use mmf_derive::Mapped;
pub use mmf_runtime::*;
