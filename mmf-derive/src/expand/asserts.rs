//! Compile-time pins: `#[mmf(size = N)]`, `#[mmf(align = N)]`, `#[mmf(offset = N)]`
//! and `#[mmf(schema = 0x…)]`. A pin that does not hold fails the build with a
//! message that names the value the layout has now.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};

use super::Struct;
use crate::attr::Pinned;

/// How a pinned value is printed in the message.
#[derive(Clone, Copy)]
enum Radix {
    Decimal,
    Hex,
}

/// An assertion that `actual == pinned`, failing on the attribute's span with
/// `before`, the actual value, then `after`. `actual` names the type `T`.
fn pin<T: quote::ToTokens>(
    private: &TokenStream,
    pinned: &Pinned<T>,
    actual: TokenStream,
    (before, after): (String, &str),
    radix: Radix,
) -> TokenStream {
    let expected = &pinned.value;
    // Sizes, alignments and offsets are `usize`; schema hashes are `u64` already.
    let number = match radix {
        Radix::Decimal => quote!(number(actual as u64)),
        Radix::Hex => quote!(hex(actual)),
    };
    quote_spanned! {pinned.span=>
        let actual = #actual;
        if actual != #expected {
            let message = #private::Message::new().text(#before).#number.text(#after);
            ::core::panic!("{}", message.as_str());
        }
    }
}

/// The compile-time checks of a type, `pins` among them, evaluated only if
/// the type is `Mapped`: when a field's type is not, that one error is all
/// the user sees (see `Probe` in the runtime). `pins` name the type `T`.
pub fn checks(private: &TokenStream, ident: &Ident, pins: TokenStream) -> TokenStream {
    quote! {
        // Evaluating the schema hash walks the whole layout tree at compile
        // time, so a field type that cannot be laid out fails the build (and
        // `cargo check`).
        const _: () = {
            use #private::ProbeFallback as _;
            #private::Probe::<#ident>::CHECKED
        };
        const _: () = {
            struct Pins<T>(::core::marker::PhantomData<T>);
            trait NoPins {
                const CHECKED: () = ();
            }
            impl<T> NoPins for Pins<T> {}
            impl<T: #private::Mapped> Pins<T> {
                const CHECKED: () = { #pins };
            }
            Pins::<#ident>::CHECKED
        };
    }
}

/// The pin of `#[mmf(schema = 0x…)]`, for structs and enums alike.
pub fn schema_pin(private: &TokenStream, ident: &Ident, schema: &Pinned<u64>) -> TokenStream {
    let before = format!(
        "the file format of `{ident}` changed, so `#[mmf(schema = {:#018x})]` does not hold; if the change is intended, pin the new hash: ",
        schema.value
    );
    pin(private, schema, quote!(<T as #private::Mapped>::SCHEMA_HASH), (before, ""), Radix::Hex)
}

pub fn asserts(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let attrs = &s.input.attrs;
    if s.is_generic() {
        // Checked per instantiation (and pins are refused on generic structs).
        return TokenStream::new();
    }
    let layout = quote!(<T as #private::Mapped>::LAYOUT);
    let mut pins = TokenStream::new();
    if let Some(size) = &attrs.size {
        let before =
            format!("`#[mmf(size = {})]` does not hold: `{ident}` is stored in ", size.value);
        let actual = quote!(#layout.size);
        pins.extend(pin(private, size, actual, (before, " bytes"), Radix::Decimal));
    }
    if let Some(align) = &attrs.align {
        let before = format!(
            "`#[mmf(align = {})]` does not hold: `{ident}` is stored aligned to ",
            align.value
        );
        let actual = quote!(#layout.align);
        pins.extend(pin(private, align, actual, (before, " bytes"), Radix::Decimal));
    }
    for field in s.fields {
        if let Some(offset) = &field.attrs.offset {
            let before = format!(
                "`#[mmf(offset = {})]` does not hold: `{ident}::{}` is stored at offset ",
                offset.value, field.name
            );
            let name = &field.name;
            let actual = quote!(#private::field_offset(#layout, #name));
            pins.extend(pin(private, offset, actual, (before, ""), Radix::Decimal));
        }
    }
    if let Some(schema) = &attrs.schema {
        pins.extend(schema_pin(private, ident, schema));
    }
    checks(private, ident, pins)
}
