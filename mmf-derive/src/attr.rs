//! The `#[mmf(...)]` attributes.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitInt, LitStr};

use crate::ctxt::Ctxt;

/// A value given in an attribute, with the span of its key for error messages.
#[derive(Clone)]
pub struct Pinned<T> {
    pub value: T,
    pub span: Span,
}

/// `#[mmf(...)]` on the struct or enum.
#[derive(Default)]
pub struct Container {
    pub krate: Option<syn::Path>,
    pub size: Option<Pinned<usize>>,
    pub align: Option<Pinned<usize>>,
    pub schema: Option<Pinned<u64>>,
    /// `#[mmf(bound = "…")]`: the where predicates generated items get
    /// instead of `T: Mapped` for each type parameter.
    pub bound: Option<Vec<syn::WherePredicate>>,
    /// `#[mmf(key)]`: the struct can key a stored map, field by field.
    pub key: Option<Span>,
    /// `#[mmf(frozen)]`: the struct's layout never changes; views hand out
    /// its stored form.
    pub frozen: Option<Span>,
    /// `#[mmf(renamed_from = "Old")]`, any number of times: earlier names of
    /// the type, by which a file's root type is found.
    pub renamed_from: Vec<LitStr>,
}

/// `#[mmf(...)]` on a field.
#[derive(Default)]
pub struct Field {
    pub offset: Option<Pinned<usize>>,
    /// `#[mmf(default = expr)]`: what a file without the field reads as.
    pub default: Option<syn::Expr>,
    /// `#[mmf(renamed_from = "old")]`, any number of times.
    pub renamed_from: Vec<LitStr>,
    /// `#[mmf(other)]` on a variant: unknown values read as it.
    pub other: Option<Span>,
}

/// Where an attribute appears: each place takes its own keys.
#[derive(Clone, Copy, PartialEq)]
pub enum Place {
    Struct,
    Enum,
    Field,
    Variant,
    VariantField,
}

impl Place {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Place::Struct => {
                &["crate", "size", "align", "schema", "bound", "key", "frozen", "renamed_from"]
            }
            Place::Enum => &["crate", "schema", "key", "renamed_from"],
            Place::Field => &["offset", "default", "renamed_from"],
            Place::Variant => &["other"],
            Place::VariantField => &["default", "renamed_from"],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Place::Struct => "a struct",
            Place::Enum => "an enum",
            Place::Field => "a field",
            Place::Variant => "an enum variant",
            Place::VariantField => "a field of an enum variant",
        }
    }
}

fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta, key: &str) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate mmf attribute `{key}`"));
    } else {
        *slot = Some(value);
    }
}

fn parse_int<T: std::str::FromStr>(meta: &ParseNestedMeta, key: &str) -> syn::Result<Pinned<T>>
where
    T::Err: std::fmt::Display,
{
    let span = meta.path.get_ident().map_or_else(Span::call_site, |i| i.span());
    let lit: LitInt =
        meta.value().map_err(|_| meta.error(format!("expected `{key} = <integer>`")))?.parse()?;
    Ok(Pinned { value: lit.base10_parse()?, span })
}

/// Parses every `#[mmf(...)]` among `attrs`, for an item at `place`.
fn parse(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    place: Place,
    container: &mut Container,
    field: &mut Field,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("mmf")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let allowed = place.keys();
            if !allowed.contains(&key.as_str()) {
                let known = [
                    "crate",
                    "size",
                    "align",
                    "schema",
                    "offset",
                    "bound",
                    "key",
                    "frozen",
                    "default",
                    "renamed_from",
                    "other",
                ];
                let message = if known.contains(&key.as_str()) {
                    format!("mmf attribute `{key}` does not apply to {}", place.name())
                } else if allowed.is_empty() {
                    format!(
                        "unknown mmf attribute `{key}`; {} takes no mmf attributes",
                        place.name()
                    )
                } else if let [only] = allowed {
                    format!("unknown mmf attribute `{key}`; expected `{only}`")
                } else {
                    let list =
                        allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                    format!("unknown mmf attribute `{key}`; expected one of {list}")
                };
                cx.error_spanned_by(&meta.path, message);
                // Skip the value, if any, so that parsing goes on.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                return Ok(());
            }
            match key.as_str() {
                "crate" => {
                    let lit: LitStr = meta
                        .value()
                        .map_err(|_| meta.error("expected `crate = \"path\"`"))?
                        .parse()?;
                    let path = lit.parse::<syn::Path>()?;
                    set_once(cx, &mut container.krate, path, &meta, "crate");
                }
                "size" => {
                    let pinned = parse_int(&meta, "size")?;
                    set_once(cx, &mut container.size, pinned, &meta, "size");
                }
                "align" => {
                    let pinned: Pinned<usize> = parse_int(&meta, "align")?;
                    if !pinned.value.is_power_of_two() {
                        cx.error_spanned_by(&meta.path, "`align` must be a power of two");
                    }
                    set_once(cx, &mut container.align, pinned, &meta, "align");
                }
                "schema" => {
                    let pinned = parse_int(&meta, "schema")?;
                    set_once(cx, &mut container.schema, pinned, &meta, "schema");
                }
                "bound" => {
                    let lit: LitStr = meta
                        .value()
                        .map_err(|_| meta.error("expected `bound = \"T: Trait, …\"`"))?
                        .parse()?;
                    let predicates = lit.parse_with(
                        syn::punctuated::Punctuated::<syn::WherePredicate, syn::Token![,]>::parse_terminated,
                    )?;
                    set_once(cx, &mut container.bound, predicates.into_iter().collect(), &meta, "bound");
                }
                "key" => {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(meta.error("`key` takes no value: write `#[mmf(key)]`"));
                    }
                    let span = meta.path.get_ident().map_or_else(Span::call_site, |i| i.span());
                    set_once(cx, &mut container.key, span, &meta, "key");
                }
                "frozen" | "other" => {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(
                            meta.error(format!("`{key}` takes no value: write `#[mmf({key})]`"))
                        );
                    }
                    let span = meta.path.get_ident().map_or_else(Span::call_site, |i| i.span());
                    let slot = if key == "frozen" { &mut container.frozen } else { &mut field.other };
                    set_once(cx, slot, span, &meta, &key);
                }
                "default" => {
                    let expr: syn::Expr = meta
                        .value()
                        .map_err(|_| meta.error("expected `default = <expression>`"))?
                        .parse()?;
                    set_once(cx, &mut field.default, expr, &meta, "default");
                }
                "renamed_from" => {
                    let lit: LitStr = meta
                        .value()
                        .map_err(|_| meta.error("expected `renamed_from = \"old_name\"`"))?
                        .parse()?;
                    match place {
                        Place::Struct | Place::Enum => container.renamed_from.push(lit),
                        _ => field.renamed_from.push(lit),
                    }
                }
                "offset" => {
                    let pinned = parse_int(&meta, "offset")?;
                    set_once(cx, &mut field.offset, pinned, &meta, "offset");
                }
                _ => unreachable!("checked against the allowed keys"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

impl Container {
    pub fn from_attrs(cx: &mut Ctxt, attrs: &[Attribute], place: Place) -> Self {
        let mut container = Container::default();
        parse(cx, attrs, place, &mut container, &mut Field::default());
        container
    }
}

impl Field {
    pub fn from_attrs(cx: &mut Ctxt, attrs: &[Attribute], place: Place) -> Self {
        let mut field = Field::default();
        parse(cx, attrs, place, &mut Container::default(), &mut field);
        field
    }
}
