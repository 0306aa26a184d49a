//! `#[derive(Mapped)]` for [mmf](https://docs.rs/mmf): generates a fixed-layout
//! `#[repr(C)]` mirror struct, the offset table, read-only and in-place views and
//! compile-time layout checks. Use it through the `mmf` crate.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod field_type;
mod generics;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `mmf::Mapped` for a struct or a fieldless enum; see the `mmf` crate.
#[proc_macro_derive(Mapped, attributes(mmf))]
pub fn derive_mapped(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
