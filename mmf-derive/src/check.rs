//! What the derive refuses, and why.

use syn::DeriveInput;

use crate::ast::{Body, Input};
use crate::ctxt::Ctxt;
use crate::field_type;

/// Names of the helper methods every generated view has; a field of the same
/// name would clash with them.
const VIEW_METHODS: &[&str] = &["raw", "to_owned", "as_view"];

pub fn check(cx: &mut Ctxt, input: &Input, node: &DeriveInput) {
    if let Some(param) = node.generics.params.first() {
        cx.error_spanned_by(
            param,
            "`Mapped` cannot be derived for generic types yet; use a concrete type (one struct per element type)",
        );
    }
    if let Some(clause) = &node.generics.where_clause {
        cx.error_spanned_by(clause, "`Mapped` cannot be derived for types with `where` clauses");
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
            for field in fields {
                field_type::check(cx, field.ty, input.ident);
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
            for field in variants.iter().flat_map(|v| &v.fields) {
                field_type::check(cx, field.ty, input.ident);
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
