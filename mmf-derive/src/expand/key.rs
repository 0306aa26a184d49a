//! `#[mmf(key)]`: a struct that keys a stored map, field by field — stored
//! in the order of its fields (as `#[derive(Ord)]` orders), hashed from its
//! fields' hashes, looked up by a tuple of its fields' queries.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Struct;

pub fn map_key(s: &Struct) -> TokenStream {
    if s.input.attrs.key.is_none() {
        return TokenStream::new();
    }
    let private = &s.private;
    let ident = s.input.ident;
    // Each field's use of `MapKey` on its type, so that a field that cannot
    // be a key is reported there.
    let key = |f: &crate::ast::Field| {
        let ty = &f.stored;
        let span = f.ty.span();
        crate::generics::respan(quote_spanned!(span=> <#ty as #private::MapKey>), span)
    };
    let keys: Vec<_> = s.fields.iter().map(key).collect();
    let members: Vec<_> = s.fields.iter().map(|f| &f.member).collect();
    let idents: Vec<_> = s.fields.iter().map(|f| &f.ident).collect();
    let index: Vec<_> = (0..s.fields.len()).map(syn::Index::from).collect();
    let bounds = s.fields.iter().map(|f| {
        let ty = &f.stored;
        let span = f.ty.span();
        crate::generics::respan(quote_spanned!(span=> #ty: #private::MapKey), span)
    });
    quote! {
        #[automatically_derived]
        impl #private::MapKey for #ident where #(#bounds),* {
            type Query<'__q>
                = (#(#keys::Query<'__q>,)*)
            where
                Self: '__q;
            fn as_query(&self) -> Self::Query<'_> {
                (#(#keys::as_query(&self.#members),)*)
            }
            fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> ::core::cmp::Ordering {
                ::core::cmp::Ordering::Equal
                    #(.then_with(|| #keys::compare_queries(&a.#index, &b.#index)))*
            }
            fn query_hash(query: &Self::Query<'_>) -> u64 {
                #private::tuple_key_hash([#(#keys::query_hash(&query.#index)),*])
            }
            fn compare(a: &Self::View<'_>, b: &Self::View<'_>) -> ::core::cmp::Ordering {
                ::core::cmp::Ordering::Equal
                    #(.then_with(|| #keys::compare(&a.#idents(), &b.#idents())))*
            }
            fn key_hash(key: &Self::View<'_>) -> u64 {
                #private::tuple_key_hash([#(#keys::key_hash(&key.#idents())),*])
            }
            unsafe fn compare_stored(
                raw: &<Self as #private::Mapped>::Raw,
                file: #private::FileRef<'_>,
                query: &Self::Query<'_>,
            ) -> ::core::cmp::Ordering {
                ::core::cmp::Ordering::Equal #(.then_with(|| {
                    // SAFETY: the caller's promise covers every field.
                    unsafe { #keys::compare_stored(&raw.#idents, file, &query.#index) }
                }))*
            }
        }
    }
}
