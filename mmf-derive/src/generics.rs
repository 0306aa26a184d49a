//! Generic structs: which bounds their items get, and how each field is
//! stored so that the struct's layout is the same for every instantiation.
//!
//! The mirror's explicit padding is computed in const context, where type
//! parameters cannot be used. So each field is measured with the parameters
//! replaced by a stand-in (`Proxy`), which gives the same size and alignment
//! for fields whose stored form does not depend on them (`Vec<T>`, `String`,
//! `Box<T>`, another generic struct). A field whose stored form would depend
//! on a parameter (`T`, `Option<T>`, `[T; 4]`) is stored out of line, as a
//! `Box` would be; a compile-time check per instantiation confirms every
//! field's measurements.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{GenericArgument, GenericParam, Generics, PathArguments, Type, WherePredicate};

/// The type parameters' names.
pub fn type_params(generics: &Generics) -> Vec<Ident> {
    generics.type_params().map(|p| p.ident.clone()).collect()
}

/// Whether `ty` names one of `params` anywhere.
pub fn mentions(ty: &Type, params: &[Ident]) -> bool {
    let mut found = false;
    visit(ty, &mut |path| {
        if params.iter().any(|p| path.path.is_ident(p)) {
            found = true;
        }
    });
    found
}

/// Whether the stored form of `ty` would depend on `params`: a parameter
/// itself, or an option or array of something that does. Lists, strings,
/// boxes and other generic types keep the same layout for every argument.
pub fn depends(ty: &Type, params: &[Ident]) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            if params.iter().any(|param| p.path.is_ident(param)) {
                return true;
            }
            let Some(last) = p.path.segments.last() else { return false };
            match (last.ident.to_string().as_str(), &last.arguments) {
                ("Option", PathArguments::AngleBracketed(args)) => args.args.iter().any(
                    |arg| matches!(arg, GenericArgument::Type(inner) if depends(inner, params)),
                ),
                _ => false,
            }
        }
        Type::Array(array) => depends(&array.elem, params),
        Type::Paren(inner) => depends(&inner.elem, params),
        Type::Group(inner) => depends(&inner.elem, params),
        _ => mentions(ty, params),
    }
}

/// `ty` with every parameter of `params` replaced by `proxy`.
pub fn proxied(ty: &Type, params: &[Ident], proxy: &Type) -> Type {
    let mut ty = ty.clone();
    replace(&mut ty, params, proxy);
    ty
}

fn replace(ty: &mut Type, params: &[Ident], proxy: &Type) {
    if let Type::Path(p) = ty
        && p.qself.is_none()
        && params.iter().any(|param| p.path.is_ident(param))
    {
        *ty = proxy.clone();
        return;
    }
    match ty {
        Type::Path(p) => {
            for segment in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let GenericArgument::Type(inner) = arg {
                            replace(inner, params, proxy);
                        }
                    }
                }
            }
        }
        Type::Array(array) => replace(&mut array.elem, params, proxy),
        Type::Paren(inner) => replace(&mut inner.elem, params, proxy),
        Type::Group(inner) => replace(&mut inner.elem, params, proxy),
        Type::Slice(slice) => replace(&mut slice.elem, params, proxy),
        Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(|e| replace(e, params, proxy)),
        _ => {}
    }
}

/// Whether the view of `ty` would hold a view of one of `own` inline: `own`
/// itself, or reached through boxes, options and tuples only (lists, maps and
/// arrays are viewed lazily).
pub fn inline_view_of(ty: &Type, own: &[Ident]) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            if own.iter().any(|o| p.path.is_ident(o)) {
                return true;
            }
            let Some(last) = p.path.segments.last() else { return false };
            let PathArguments::AngleBracketed(args) = &last.arguments else { return false };
            matches!(last.ident.to_string().as_str(), "Box" | "Option")
                && args.args.iter().any(
                    |arg| matches!(arg, GenericArgument::Type(inner) if inline_view_of(inner, own)),
                )
        }
        Type::Tuple(tuple) => tuple.elems.iter().any(|e| inline_view_of(e, own)),
        Type::Paren(inner) => inline_view_of(&inner.elem, own),
        Type::Group(inner) => inline_view_of(&inner.elem, own),
        _ => false,
    }
}

/// `Plain: Mapped` for each field type, on the field's type: a type that is
/// not `Mapped` is then one error there (the same error from every generated
/// item that carries these bounds, which the compiler prints once), and the
/// generated items, assuming the bounds, raise no more. Not for fields that
/// hold the type itself: their bound would require itself.
pub fn field_bounds(field_types: &[&Type], private: &TokenStream) -> Vec<WherePredicate> {
    field_types
        .iter()
        .map(|ty| {
            let span = ty.span();
            let private = respan(private.clone(), span);
            syn::parse_quote_spanned!(span=> #ty: #private::Mapped)
        })
        .collect()
}

/// `tokens` with every span set to `span`, so that an error about them
/// points there.
pub fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            }
            tree.set_span(span);
            tree
        })
        .collect()
}

/// Whether `ty` holds a tuple that names one of `params`.
fn generic_tuple(ty: &Type, params: &[Ident]) -> bool {
    match ty {
        Type::Tuple(tuple) => {
            mentions(ty, params) || tuple.elems.iter().any(|e| generic_tuple(e, params))
        }
        Type::Path(p) => p.path.segments.iter().any(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().any(
                |arg| matches!(arg, GenericArgument::Type(inner) if generic_tuple(inner, params)),
            ),
            _ => false,
        }),
        Type::Array(array) => generic_tuple(&array.elem, params),
        Type::Paren(inner) => generic_tuple(&inner.elem, params),
        Type::Group(inner) => generic_tuple(&inner.elem, params),
        Type::Slice(slice) => generic_tuple(&slice.elem, params),
        _ => false,
    }
}

/// Calls `f` on every path type inside `ty`.
fn visit(ty: &Type, f: &mut impl FnMut(&syn::TypePath)) {
    match ty {
        Type::Path(p) => {
            f(p);
            for segment in &p.path.segments {
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    for arg in &args.args {
                        if let GenericArgument::Type(inner) = arg {
                            visit(inner, f);
                        }
                    }
                }
            }
        }
        Type::Array(array) => visit(&array.elem, f),
        Type::Paren(inner) => visit(&inner.elem, f),
        Type::Group(inner) => visit(&inner.elem, f),
        Type::Slice(slice) => visit(&slice.elem, f),
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|e| visit(e, f)),
        _ => {}
    }
}

/// The generics every generated item gets: the type's own, with `P: Mapped +
/// 'static` for each type parameter (or the `#[mmf(bound = "…")]` predicates
/// instead of `P: Mapped`; `'static` is kept, as stored forms need it).
///
/// A field whose type holds a tuple with a parameter in it, `Vec<(T, u32)>`,
/// also gets `Vec<(T, u32)>: Mapped`: a tuple's padding is computed from its
/// elements' types, which generic code cannot do for a `T` it does not know.
pub fn bounded(
    generics: &Generics,
    field_types: &[&Type],
    bound: Option<&[WherePredicate]>,
    private: &TokenStream,
) -> Generics {
    let mut generics = generics.clone();
    let params = type_params(&generics);
    let clause = generics.make_where_clause();
    match bound {
        Some(predicates) => clause.predicates.extend(predicates.iter().cloned()),
        None => {
            for p in &params {
                clause.predicates.push(syn::parse_quote!(#p: #private::Mapped));
            }
            for ty in field_types.iter().filter(|ty| generic_tuple(ty, &params)) {
                clause.predicates.push(syn::parse_quote!(#ty: #private::Mapped));
            }
            if params.is_empty() {
                clause.predicates.extend(field_bounds(field_types, private));
            }
        }
    }
    for p in &params {
        clause.predicates.push(syn::parse_quote!(#p: 'static));
    }
    generics
}

/// For a generic type, the items every instantiation gets: `__MMF_NAME`, the
/// instantiation's name as Rust writes it (`Series<Coord>`), built at compile
/// time from the arguments' layouts, and `__MMF_SAME_LAYOUT`, which evaluates
/// `checks` (assertions on the measured layout) per instantiation.
pub fn instantiation_items(
    ident: &Ident,
    generics: &Generics,
    checks: TokenStream,
    private: &TokenStream,
) -> TokenStream {
    let (impl_generics, args, where_clause) = generics.split_for_impl();
    let base = format!("{ident}<");
    let params = generics.type_params().enumerate().map(|(i, p)| {
        let param = &p.ident;
        let comma = (i > 0).then(|| quote!(.text(", ")));
        quote!(#comma.type_name(<#param as #private::Mapped>::LAYOUT))
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #args #where_clause {
            #[doc(hidden)]
            const __MMF_NAME: &'static #private::Message = &#private::Message::new()
                .text(#base)
                #(#params)*
                .text(">");
            #[doc(hidden)]
            const __MMF_SAME_LAYOUT: () = { #checks };
        }
    }
}

/// `generics` with the views' lifetime `'__mmf` in front.
pub fn with_view_lifetime(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    generics.params.insert(0, GenericParam::Lifetime(syn::parse_quote!('__mmf)));
    generics
}

/// The parameters as arguments: `<T, U>` (empty without parameters).
pub fn arguments(generics: &Generics) -> TokenStream {
    let (_, ty_generics, _) = generics.split_for_impl();
    quote!(#ty_generics)
}
