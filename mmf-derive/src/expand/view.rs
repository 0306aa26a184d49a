//! `HikeView<'a>`: the read-only view, one accessor per field.

use proc_macro2::TokenStream;
use quote::quote;

use super::Struct;

pub fn view(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let vis = s.input.vis;
    let (raw, view) = (&s.raw, &s.view);
    let (impl_generics, view_args, where_clause) = s.view_generics();
    let args = s.args();
    let accessors = s.fields.iter().enumerate().map(|(index, f)| {
        let (name, ty, fvis) = (&f.ident, &f.stored, f.vis);
        let doc = format!("The field [`{ident}::{}`].", f.name);
        quote! {
            #[doc = #doc]
            #[inline]
            #fvis fn #name(&self) -> <#ty as #private::Mapped>::View<'__mmf> {
                let inner = self.inner;
                // SAFETY: the promise this view was made with (`Mapped::view`
                // or `Mapped::view_evolved`) covers everything reachable from
                // its fields; field `index` is of type `ty`.
                unsafe {
                    match inner.get() {
                        ::core::result::Result::Ok(raw) => {
                            <#ty as #private::Mapped>::view(&raw.#name, inner.file())
                        }
                        ::core::result::Result::Err(evolved) => evolved.field::<#ty>(#index),
                    }
                }
            }
        }
    });
    let raw_method = if s.input.attrs.frozen.is_some() {
        quote! {
            /// The stored form itself, as it lies in the file (the type is
            /// `frozen`: every file that opens stores it as this program does).
            #[inline]
            pub fn raw(&self) -> &'__mmf #raw #args {
                self.inner.frozen()
            }
        }
    } else {
        quote! {
            /// The stored form itself, as it lies in the file; `None` if the
            /// file stores this type otherwise than this program (a file
            /// written by another version of it). Mark a struct that never
            /// changes `#[mmf(frozen)]` to get it without the `Option`.
            #[inline]
            pub fn raw(&self) -> ::core::option::Option<&'__mmf #raw #args> {
                self.inner.get().ok()
            }
        }
    };
    let doc = format!(
        "A read-only view of a [`{ident}`] in a file: one accessor per field, reading in place."
    );
    let debug = debug_impl(s, view, quote!(self));
    quote! {
        #[doc = #doc]
        #vis struct #view #impl_generics #where_clause {
            inner: #private::StructRef<'__mmf, #raw #args>,
        }

        #[automatically_derived]
        impl #impl_generics ::core::clone::Clone for #view #view_args #where_clause {
            fn clone(&self) -> Self {
                *self
            }
        }
        #[automatically_derived]
        impl #impl_generics ::core::marker::Copy for #view #view_args #where_clause {}

        #[automatically_derived]
        impl #impl_generics #view #view_args #where_clause {
            #(#accessors)*

            #raw_method

            /// Copies the value out of the file.
            #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
            pub fn to_owned(&self) -> #ident #args {
                let inner = self.inner;
                // SAFETY: as for the accessors.
                unsafe {
                    match inner.get() {
                        ::core::result::Result::Ok(raw) => {
                            <#ident #args as #private::Mapped>::read(raw, inner.file())
                        }
                        ::core::result::Result::Err(evolved) => evolved.read_whole::<#ident #args>(),
                    }
                }
            }
        }

        #debug
    }
}

/// `Debug` for a view type: the struct's name and each field's view, available
/// when every field's view is `Debug` — always, for a type that contains
/// itself (its bound would require itself, which the compiler cannot settle).
pub fn debug_impl(s: &Struct, view_type: &syn::Ident, as_view: TokenStream) -> TokenStream {
    let private = &s.private;
    let ident_str = s.input.ident.to_string();
    let tys: Vec<_> = s.fields.iter().map(|f| &f.stored).collect();
    let bounded: &[&syn::Type] = if s.input.is_recursive() { &[] } else { &tys };
    let (impl_generics, view_args, _) = s.view_generics();
    let predicates = s.predicates();
    let names: Vec<_> = s.fields.iter().map(|f| &f.ident).collect();
    let names_str: Vec<_> = s.fields.iter().map(|f| &f.name).collect();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #view_type #view_args
        where #predicates #(#private::Check<'__mmf, #bounded>: #private::DebugView<#bounded>),*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let view = #as_view;
                f.debug_struct(#ident_str)
                    #(.field(#names_str, &#private::FieldDebug::<#tys, #private::Check<'__mmf, #tys>>::new(view.#names())))*
                    .finish()
            }
        }
    }
}
