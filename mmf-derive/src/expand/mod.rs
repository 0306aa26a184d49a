//! What to emit.

mod asserts;
mod data_enum;
mod enums;
mod key;
mod layout;
mod mirror;
mod view;
mod view_mut;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::ast::{Body, Field, Input};
use crate::check;
use crate::ctxt::Ctxt;
use crate::generics;

/// Everything the generators of one struct share.
pub struct Struct<'a> {
    pub input: &'a Input<'a>,
    /// How docs name the type: `Hike`, or `Shape::Circle` for a variant's fields.
    pub doc_name: String,
    pub vis: &'a syn::Visibility,
    pub fields: &'a [Field<'a>],
    pub tuple: bool,
    /// `::mmf::__private`, or the `#[mmf(crate = "…")]` path's.
    pub private: TokenStream,
    pub raw: Ident,
    pub view: Ident,
    pub view_mut: Ident,
    /// The type's generics with the bounds generated items need (see `generics`).
    pub generics: syn::Generics,
}

impl Struct<'_> {
    /// Whether the struct has type parameters.
    pub fn is_generic(&self) -> bool {
        self.generics.type_params().next().is_some()
    }

    /// `<T, U>` after a generated type's name (nothing without parameters).
    pub fn args(&self) -> TokenStream {
        generics::arguments(&self.generics)
    }

    /// `(impl generics, where clause)` for items with the views' lifetime:
    /// `<'__mmf, T: …>` and `where T: Mapped + 'static, …`.
    pub fn view_generics(&self) -> (TokenStream, TokenStream, TokenStream) {
        let generics = generics::with_view_lifetime(&self.generics);
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        (quote!(#impl_generics), quote!(#ty_generics), quote!(#where_clause))
    }

    /// A view type's arguments with lifetime `lifetime`: `<'_, T, U>`.
    pub fn view_args_with(&self, lifetime: TokenStream) -> TokenStream {
        let params = self.generics.type_params().map(|p| &p.ident);
        quote!(<#lifetime #(, #params)*>)
    }

    /// `(impl generics, where clause)` for items without it.
    pub fn plain_generics(&self) -> (TokenStream, TokenStream) {
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        (quote!(#impl_generics), quote!(#where_clause))
    }

    /// The where predicates alone, to extend a `where` clause that has others.
    pub fn predicates(&self) -> TokenStream {
        match &self.generics.where_clause {
            Some(clause) => {
                let predicates = clause.predicates.iter();
                quote!(#(#predicates,)*)
            }
            None => quote!(),
        }
    }
}

pub fn derive(node: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let mut input = Input::from_syn(&mut cx, node);
    check::check(&mut cx, &input, node);
    if let Err(errors) = cx.check() {
        let fallback = fallback(&input, node);
        let errors = errors.into_compile_error();
        return quote! { #errors #fallback };
    }
    let private = private_path(&input);
    recursive_fields(&mut input, &private);
    // A field holding the type itself would make its bound require itself.
    let field_types: Vec<&syn::Type> =
        input.data.fields().into_iter().filter(|f| !f.recursive).map(|f| f.ty).collect();
    let bounded =
        generics::bounded(input.generics, &field_types, input.attrs.bound.as_deref(), &private);
    store_fields(&mut input, &private);
    match &input.data {
        Body::Struct { fields, tuple } => {
            let s = Struct {
                generics: bounded,
                input: &input,
                doc_name: input.ident.to_string(),
                vis: input.vis,
                fields,
                tuple: *tuple,
                private,
                raw: format_ident!("{}Raw", input.ident),
                view: format_ident!("{}View", input.ident),
                view_mut: format_ident!("{}ViewMut", input.ident),
            };
            let mirror = mirror::mirror(&s);
            let mapped = layout::mapped_impl(&s);
            let view = view::view(&s);
            let view_mut = view_mut::view_mut(&s);
            let asserts = asserts::asserts(&s);
            let map_key = key::map_key(&s);
            quote! {
                #mirror
                #view
                #view_mut
                #[doc(hidden)]
                const _: () = {
                    #mapped
                    #map_key
                    #asserts
                };
            }
        }
        Body::Enum { repr, variants } if input.data.has_data() => {
            data_enum::data_enum(&input, repr.as_ref(), variants, private, bounded)
        }
        Body::Enum { repr: Some(repr), variants } => {
            let idents: Vec<_> = variants.iter().map(|v| v.ident).collect();
            let others: Vec<_> = variants.iter().map(|v| v.other.is_some()).collect();
            enums::enum_impl(&input, repr, &idents, &others, &private)
        }
        Body::Enum { repr: None, .. } | Body::Union => unreachable!("refused by `check`"),
    }
}

/// Decides how each field of a generic struct is stored: fields whose layout
/// would depend on a type parameter go out of line (`Indirect<T>`), and every
/// field is measured with the parameters replaced by `Proxy`.
fn store_fields(input: &mut Input, private: &TokenStream) {
    let params = generics::type_params(input.generics);
    if params.is_empty() {
        return;
    }
    let proxy: syn::Type = syn::parse_quote!(#private::Proxy);
    for field in input.data.fields_mut() {
        if generics::depends(field.ty, &params) {
            let ty = field.ty;
            field.stored = syn::parse_quote!(#private::Indirect<#ty>);
            field.layout = field.stored.clone();
            field.indirect = true;
        }
        field.proxy = generics::proxied(&field.stored, &params, &proxy);
    }
}

/// Finds the fields that name the type itself (by its name or `Self`): they
/// are stored with `Self` spelled out, and listed in the offset table through
/// `Recur<Node>`, so that the layout refers back to the type instead of
/// containing it again.
fn recursive_fields(input: &mut Input, private: &TokenStream) {
    let ident = input.ident.clone();
    let own = [ident.clone(), Ident::new("Self", ident.span())];
    let recur: syn::Type = syn::parse_quote!(#private::Recur<#ident>);
    let named: syn::Type = syn::parse_quote!(#ident);
    for field in input.data.fields_mut() {
        if generics::mentions(field.ty, &own) {
            field.stored = generics::proxied(field.ty, &own[1..], &named);
            field.proxy = field.stored.clone();
            field.layout = generics::proxied(field.ty, &own, &recur);
            field.recursive = true;
            field.nested = generics::inline_view_of(field.ty, &own);
        }
    }
}

/// `const RENAMED_FROM` for the type's `Mapped` impl, if the type names
/// earlier names of its own.
fn renamed_from(input: &Input) -> Option<TokenStream> {
    let names = &input.attrs.renamed_from;
    (!names.is_empty())
        .then(|| quote!(const RENAMED_FROM: &'static [&'static str] = &[#(#names),*];))
}

fn private_path(input: &Input) -> TokenStream {
    match &input.attrs.krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::mmf::__private),
    }
}

/// After an error, a minimal `Mapped` impl, so that the user sees the error
/// itself and not every use of the type failing as well.
fn fallback(input: &Input, node: &DeriveInput) -> TokenStream {
    let private = private_path(input);
    let ident = &node.ident;
    let (impl_generics, ty_generics, where_clause) = node.generics.split_for_impl();
    let name = ident.to_string();
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            unsafe impl #impl_generics #private::Mapped for #ident #ty_generics #where_clause {
                type Raw = ();
                type View<'__mmf> = ();
                type ViewMut<'__mmf> = ();
                const LAYOUT: &'static #private::Layout = &#private::Layout {
                    name: #name, size: 0, align: 1, kind: #private::Kind::Struct(&[]), frozen: false,
                };
                const CHECKED: bool = false;
                const HAS_BLOCKS: bool = false;
                fn write(&self, _: &mut #private::Writer<'_>) {}
                fn validate(_: &(), _: &mut #private::Validator<'_>) -> #private::Result<()> {
                    ::core::unreachable!()
                }
                unsafe fn view<'__mmf>(_: &'__mmf (), _: #private::FileRef<'__mmf>) {}
                unsafe fn view_mut<'__mmf>(_: &'__mmf mut (), _: #private::FileMut<'__mmf>) {}
                unsafe fn read(_: &(), _: #private::FileRef<'_>) -> Self {
                    ::core::unreachable!()
                }
            }
        };
    }
}
