//! What the derive refuses, and why.

use syn::DeriveInput;

use crate::ast::{Body, Input};
use crate::ctxt::Ctxt;
use crate::field_type;

/// Names of the helper methods every generated view has; a field of the same
/// name would clash with them.
const VIEW_METHODS: &[&str] = &["raw", "to_owned", "as_view"];

pub fn check(cx: &mut Ctxt, input: &Input, node: &DeriveInput) {
    for param in &node.generics.params {
        match param {
            syn::GenericParam::Type(_) => {}
            syn::GenericParam::Lifetime(_) => cx.error_spanned_by(
                param,
                "borrowed data cannot be stored in a file; use owned types (`String` for `&str`, `Vec<T>` for `&[T]`)",
            ),
            syn::GenericParam::Const(_) => cx.error_spanned_by(
                param,
                "const generic parameters are not supported; use a concrete length, or a `Vec<T>`",
            ),
        }
    }
    let fieldless_enum = matches!(input.data, Body::Enum { .. }) && !input.data.has_data();
    if let (Some(span), Body::Enum { .. }, false) = (input.attrs.key, &input.data, fieldless_enum) {
        cx.syn_error(syn::Error::new(
            span,
            "`key` applies to structs and fieldless enums; key the map by the variant's fields instead",
        ));
    }
    if let (Some(first), true) = (node.generics.type_params().next(), fieldless_enum) {
        cx.error_spanned_by(
            first,
            "an enum without fields cannot use a type parameter; remove the parameter",
        );
    }
    if node.generics.type_params().next().is_some() {
        let attrs = &input.attrs;
        let pins = [
            attrs.size.as_ref().map(|p| p.span),
            attrs.align.as_ref().map(|p| p.span),
            attrs.schema.as_ref().map(|p| p.span),
        ];
        let field_pins = match &input.data {
            Body::Struct { fields, .. } => {
                fields.iter().filter_map(|f| f.attrs.offset.as_ref().map(|p| p.span)).collect()
            }
            _ => Vec::new(),
        };
        if let Some(span) = input.attrs.key {
            cx.syn_error(syn::Error::new(
                span,
                "`key` applies to concrete structs only; key the map by a concrete struct, or by a tuple",
            ));
        }
        for span in pins.into_iter().flatten().chain(field_pins) {
            cx.syn_error(syn::Error::new(
                span,
                "a generic type's layout is pinned per instantiation: pin it on a concrete type instead (`#[mmf(schema = …)]` on a struct holding `Series<Coord>`)",
            ));
        }
    } else if let Some(bound) = &input.attrs.bound
        && let Some(first) = bound.first()
    {
        cx.error_spanned_by(first, "`bound` applies to generic types only");
    }
    // An earlier name of the type must not be its name now.
    for old in &input.attrs.renamed_from {
        if *input.ident == old.value() {
            cx.error_spanned_by(
                old,
                format!(
                    "`{}` is the type's name now; `renamed_from` names an earlier name",
                    old.value()
                ),
            );
        }
    }
    match &input.data {
        Body::Union => {
            let syn::Data::Union(data) = &node.data else { unreachable!() };
            cx.error_spanned_by(
                data.union_token,
                "unions cannot be `Mapped`: a reader could not tell which field is stored; use a fieldless enum as the tag beside a struct per case",
            );
        }
        Body::Struct { fields, .. } => {
            evolution_attrs(cx, input, fields);
            for field in fields {
                field_type::check(cx, field.ty, input.ident, !input.generics.params.is_empty());
                if VIEW_METHODS.contains(&field.name.as_str()) {
                    cx.error_spanned_by(
                        &field.member,
                        format!(
                            "a field named `{}` clashes with the method of the same name on the generated views; rename the field",
                            field.name
                        ),
                    );
                }
            }
        }
        Body::Enum { repr, variants } => {
            let others: Vec<_> = variants.iter().filter_map(|v| v.other).collect();
            for v in variants {
                if let (Some(span), false) = (v.other, v.fields.is_empty()) {
                    cx.syn_error(syn::Error::new(
                        span,
                        "`other` applies to a variant without fields: values of variants this program does not know read as it",
                    ));
                }
                evolution_attrs(cx, input, &v.fields);
            }
            if let [_, second, ..] = others[..] {
                cx.syn_error(syn::Error::new(
                    second,
                    "only one variant can be `other`: values this program does not know read as it",
                ));
            }
            for field in variants.iter().flat_map(|v| &v.fields) {
                field_type::check(cx, field.ty, input.ident, !input.generics.params.is_empty());
            }
            if variants.is_empty() {
                cx.error_spanned_by(input.ident, "an enum without variants has no value to store");
            } else if input.data.has_data() {
                if variants.iter().all(|v| v.fields.is_empty()) {
                    cx.error_spanned_by(
                        input.ident,
                        "no variant of this enum holds a field; write its variants without braces or parentheses and add `#[repr(u8)]`",
                    );
                }
            } else if repr.is_none() {
                cx.error_spanned_by(
                    input.ident,
                    "a fieldless `Mapped` enum needs `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]` to fix its stored size",
                );
            }
        }
    }
}

/// `default` and `renamed_from` describe how a struct (or an enum's
/// variant) changed: not for a `frozen` struct, and no earlier name may be a
/// field's name now.
fn evolution_attrs(cx: &mut Ctxt, input: &Input, fields: &[crate::ast::Field]) {
    for field in fields {
        if input.attrs.frozen.is_some()
            && (field.attrs.default.is_some() || !field.attrs.renamed_from.is_empty())
        {
            cx.error_spanned_by(
                &field.member,
                "a `frozen` struct never changes, so its fields take no `default` or `renamed_from`; remove `frozen` to let the struct evolve",
            );
        }
        for old in &field.attrs.renamed_from {
            let name = old.value();
            if fields.iter().any(|f| f.name == name) {
                cx.error_spanned_by(
                    old,
                    format!("`{name}` is the name of a field now; `renamed_from` names a field's earlier name"),
                );
            }
        }
    }
}
