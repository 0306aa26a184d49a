//! Compile-time pins: `#[mmf(size = N)]`, `#[mmf(align = N)]`, `#[mmf(offset = N)]`
//! and `#[mmf(schema = 0x…)]`. A pin that does not hold fails the build with a
//! message that names the value the layout has now.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::Struct;

pub fn asserts(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let raw = &s.raw;
    let attrs = &s.input.attrs;
    let mut out = TokenStream::new();

    let mut pin = |span, actual: TokenStream, expected: TokenStream, what: String, hex: bool| {
        let number = if hex { quote!(hex) } else { quote!(number) };
        out.extend(quote_spanned! {span=>
            const _: () = {
                let actual = #actual;
                if actual != #expected {
                    let message = #private::Message::new()
                        .text(#what)
                        .#number(actual as u64);
                    ::core::panic!("{}", message.as_str());
                }
            };
        });
    };

    if let Some(size) = &attrs.size {
        let n = size.value;
        pin(
            size.span,
            quote!(::core::mem::size_of::<#raw>()),
            quote!(#n),
            format!("`#[mmf(size = {n})]` does not hold: `{ident}` is stored in this many bytes: "),
            false,
        );
    }
    if let Some(align) = &attrs.align {
        let n = align.value;
        pin(
            align.span,
            quote!(::core::mem::align_of::<#raw>()),
            quote!(#n),
            format!("`#[mmf(align = {n})]` does not hold: `{ident}` is stored aligned to: "),
            false,
        );
    }
    for field in s.fields {
        if let Some(offset) = &field.attrs.offset {
            let (n, name) = (offset.value, &field.ident);
            pin(
                offset.span,
                quote!(::core::mem::offset_of!(#raw, #name)),
                quote!(#n),
                format!(
                    "`#[mmf(offset = {n})]` does not hold: `{ident}::{}` is stored at offset: ",
                    field.name
                ),
                false,
            );
        }
    }
    if let Some(schema) = &attrs.schema {
        let n = schema.value;
        pin(
            schema.span,
            quote!(<#ident as #private::Mapped>::SCHEMA_HASH),
            quote!(#n),
            format!(
                "the file format of `{ident}` changed, so `#[mmf(schema = {n:#018x})]` does not hold; if the change is intended, pin the new hash: "
            ),
            true,
        );
    }
    out
}
