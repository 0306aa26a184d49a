//! The mirror struct `HikeRaw`: the stored form, `#[repr(C)]`, with explicit padding.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Struct;

/// `<Stored as Mapped>::Raw` for each field.
pub fn raw_types(s: &Struct) -> Vec<TokenStream> {
    let private = &s.private;
    s.fields
        .iter()
        .map(|f| {
            let ty = &f.stored;
            quote!(<#ty as #private::Mapped>::Raw)
        })
        .collect()
}

/// The same with type parameters replaced by `Proxy`: types a const
/// expression may measure. For a struct without parameters, `raw_types`.
pub fn measured_types(s: &Struct) -> Vec<TokenStream> {
    let private = &s.private;
    s.fields
        .iter()
        .map(|f| {
            let ty = &f.proxy;
            quote!(<#ty as #private::Mapped>::Raw)
        })
        .collect()
}

/// `&[(size, align), …]` of the fields' stored forms, for the padding
/// computation; used in [`measuring`] expressions. A field whose type is not
/// `Mapped` counts as nothing: the error at the field is all the user sees.
pub fn size_align_list(s: &Struct) -> TokenStream {
    let private = &s.private;
    let pairs = s.fields.iter().map(|f| {
        let ty = &f.proxy;
        quote!((#private::Measure::<#ty>::SIZE, #private::Measure::<#ty>::ALIGN))
    });
    quote!(&[#(#pairs),*])
}

/// `expr`, a constant using [`size_align_list`], with what it needs in scope.
pub fn measuring(s: &Struct, expr: TokenStream) -> TokenStream {
    let private = &s.private;
    quote!({
        use #private::MeasureFallback as _;
        #expr
    })
}

/// The length of the padding field before field `index` (`fields.len()`: trailing).
pub fn padding_len(s: &Struct, index: usize) -> TokenStream {
    let private = &s.private;
    let list = size_align_list(s);
    measuring(s, quote!(#private::padding_before(#list, #index)))
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
    let option_pad = measuring(s, quote!(#private::largest(#list).1 - 1));
    let size_mod16 = measuring(s, quote!(#private::struct_size(#list) % 16));
    let align = measuring(s, quote!(#private::largest(#list).1));
    let (impl_generics, where_clause) = s.plain_generics();
    let predicates = s.predicates();
    // An enum's variant may use only some of the enum's parameters; the
    // marker uses them all (zero-sized, after everything else).
    let params_marker = s.is_generic().then(|| {
        let params = s.generics.type_params().map(|p| &p.ident);
        quote!(__mmf_params: ::core::marker::PhantomData<fn() -> (#(#params,)*)>,)
    });
    let args = s.args();
    quote! {
        #[doc = #doc]
        #[repr(C)]
        #vis struct #raw #impl_generics #where_clause {
            #(#members)*
            __mmf_pad_end: [u8; #tail_len],
            #params_marker
        }

        #[doc(hidden)]
        const _: () = {
            // Every field's type is `Pod` (stored forms are `RawData: Pod`, padding is
            // `[u8; N]`), and `repr(C)` lays fields out in order; the explicit padding
            // fields make each field start where `repr(C)` would place it anyway, so
            // the struct has no implicit padding (checked by `Probe::CHECKED`, or
            // for a generic struct per instantiation by `Mapped`'s methods).
            // Rust Reference, "Type layout", "The C representation".

            #[automatically_derived]
            impl #impl_generics ::core::clone::Clone for #raw #args #where_clause {
                fn clone(&self) -> Self {
                    *self
                }
            }
            #[automatically_derived]
            impl #impl_generics ::core::marker::Copy for #raw #args #where_clause {}

            // SAFETY: `repr(C)`, every field is `Pod`, and there is no implicit
            // padding (asserted above), so all-zero bytes are a valid value.
            #[automatically_derived]
            unsafe impl #impl_generics #private::bytemuck::Zeroable for #raw #args #where_clause {}
            // SAFETY: as for `Zeroable`: any bytes are a valid value, the type is
            // `Copy` and `'static`.
            #[automatically_derived]
            unsafe impl #impl_generics #private::bytemuck::Pod for #raw #args #where_clause {}
            // SAFETY: the padding is exactly `align_of::<Self>() - 1` bytes: a
            // `repr(C)` struct is aligned as its most aligned field; the size is
            // the fields' and the padding's (no implicit padding, checked above).
            #[automatically_derived]
            unsafe impl #impl_generics #private::RawData for #raw #args #where_clause {
                type OptionPad = [u8; #option_pad];
                type SizeMod16 = #private::Mod16<#size_mod16>;
                type Align = #private::Align<#align>;
            }

            #[automatically_derived]
            impl #impl_generics ::core::fmt::Debug for #raw #args
            where #predicates
            {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#raw_name)
                        #(.field(#names_str, &self.#names))*
                        .finish()
                }
            }
        };
    }
}

/// For a generic struct, a check that each field's stored form has the size
/// and alignment it was measured with: `()` when it holds, a compile error
/// naming the field when an instantiation breaks it. `None` without parameters.
pub fn same_layout_check(s: &Struct) -> Option<TokenStream> {
    if !s.is_generic() {
        return None;
    }
    let private = &s.private;
    let raw = &s.raw;
    let args = s.args();
    let list = size_align_list(s);
    let raw_types = raw_types(s);
    let measured = measured_types(s);
    let messages = s.fields.iter().map(|f| {
        format!(
            "the stored form of field `{}` of `{}` depends on a type parameter; make the field a `Box<…>` or a `Vec<…>`",
            f.name, s.doc_name
        )
    });
    let size = measuring(s, quote!(#private::struct_size(#list)));
    Some(quote! {
        #(
            ::core::assert!(
                ::core::mem::size_of::<#raw_types>() == ::core::mem::size_of::<#measured>()
                    && ::core::mem::align_of::<#raw_types>() == ::core::mem::align_of::<#measured>(),
                #messages,
            );
        )*
        ::core::assert!(
            ::core::mem::size_of::<#raw #args>() == #size,
            "the mirror struct has implicit padding",
        );
    })
}
