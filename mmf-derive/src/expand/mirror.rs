//! The mirror struct `HikeRaw`: the stored form, `#[repr(C)]`, with explicit padding.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Struct;

/// `<FieldType as Mapped>::Raw` for each field.
pub fn raw_types(s: &Struct) -> Vec<TokenStream> {
    let private = &s.private;
    s.fields
        .iter()
        .map(|f| {
            let ty = f.ty;
            quote!(<#ty as #private::Mapped>::Raw)
        })
        .collect()
}

/// `&[(size, align), …]` of the fields' stored forms, for the padding computation.
pub fn size_align_list(s: &Struct) -> TokenStream {
    let pairs = raw_types(s)
        .into_iter()
        .map(|raw| quote!((::core::mem::size_of::<#raw>(), ::core::mem::align_of::<#raw>())));
    quote!(&[#(#pairs),*])
}

/// The length of the padding field before field `index` (`fields.len()`: trailing).
pub fn padding_len(s: &Struct, index: usize) -> TokenStream {
    let private = &s.private;
    let list = size_align_list(s);
    quote!(#private::padding_before(#list, #index))
}

pub fn mirror(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = &s.doc_name;
    let vis = s.vis;
    let raw = &s.raw;
    let raw_types = raw_types(s);
    let mut members = Vec::new();
    for (i, (field, raw_ty)) in s.fields.iter().zip(&raw_types).enumerate() {
        let pad = format_ident!("__mmf_pad{}", i);
        let len = padding_len(s, i);
        let name = &field.ident;
        let fvis = field.vis;
        let doc = format!("The stored form of [`{ident}::{}`].", field.name);
        members.push(quote! {
            #pad: [u8; #len],
            #[doc = #doc]
            #fvis #name: #raw_ty,
        });
    }
    let tail_len = padding_len(s, s.fields.len());
    let doc = format!(
        "The stored form of [`{ident}`]: `#[repr(C)]` plain data with explicit, zeroed padding; \
         offsets in it are bytes from the start of the file."
    );
    let names = s.fields.iter().map(|f| &f.ident);
    let names_str = s.fields.iter().map(|f| &f.name);
    let raw_name = raw.to_string();
    let list = size_align_list(s);
    quote! {
        #[doc = #doc]
        #[repr(C)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct #raw {
            #(#members)*
            __mmf_pad_end: [u8; #tail_len],
        }

        #[doc(hidden)]
        const _: () = {
            // Every field's type is `Pod` (stored forms are `RawData: Pod`, padding is
            // `[u8; N]`), and `repr(C)` lays fields out in order; the explicit padding
            // fields make each field start where `repr(C)` would place it anyway, so
            // the struct has no implicit padding (checked below).
            // Rust Reference, "Type layout", "The C representation".
            const _: () = ::core::assert!(
                ::core::mem::size_of::<#raw>()
                    == 0 #(+ ::core::mem::size_of::<#raw_types>())* + #private::padding_total(#list),
                "the mirror struct has implicit padding",
            );

            // SAFETY: `repr(C)`, every field is `Pod`, and there is no implicit
            // padding (asserted above), so all-zero bytes are a valid value.
            #[automatically_derived]
            unsafe impl #private::bytemuck::Zeroable for #raw {}
            // SAFETY: as for `Zeroable`: any bytes are a valid value, the type is
            // `Copy` and `'static`.
            #[automatically_derived]
            unsafe impl #private::bytemuck::Pod for #raw {}
            // SAFETY: the padding is exactly `align_of::<Self>() - 1` bytes.
            #[automatically_derived]
            unsafe impl #private::RawData for #raw {
                type OptionPad = [u8; ::core::mem::align_of::<#raw>() - 1];
            }

            #[automatically_derived]
            impl ::core::fmt::Debug for #raw {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#raw_name)
                        #(.field(#names_str, &self.#names))*
                        .finish()
                }
            }
        };
    }
}
