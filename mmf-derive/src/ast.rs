//! What the input means: a struct with fields, or a fieldless enum, each part
//! keeping its `syn` node for spans.

use proc_macro2::{Ident, Span};
use quote::format_ident;
use syn::{Data, DeriveInput, Fields, Member, Type, Visibility};

use crate::attr::{self, Place};
use crate::ctxt::Ctxt;

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub generics: &'a syn::Generics,
    pub attrs: attr::Container,
    pub data: Body<'a>,
}

pub enum Body<'a> {
    Struct {
        fields: Vec<Field<'a>>,
        tuple: bool,
    },
    Enum {
        repr: Option<Repr>,
        variants: Vec<Variant<'a>>,
    },
    /// A union: refused by `check`, kept for spans.
    Union,
}

pub struct Field<'a> {
    /// How the user's struct names the field: `date` or `0`.
    pub member: Member,
    /// The name of the field in the mirror and of the view accessors: `date` or `_0`.
    pub ident: Ident,
    /// The field's name for the offset table and error paths: `date` or `0`.
    pub name: String,
    pub vis: &'a Visibility,
    pub ty: &'a Type,
    pub attrs: attr::Field,
    /// The type generated code stores and reads the field through: `ty`, or
    /// `Indirect<ty>` for a generic struct's field whose layout depends on a
    /// type parameter (see `generics`).
    pub stored: Type,
    /// `stored` with the type parameters replaced by a stand-in, for measuring.
    pub proxy: Type,
    /// The type whose layout the offset table lists: `stored`, or for a field
    /// naming the type itself, `stored` with it replaced by `Recur<Node>`.
    pub layout: Type,
    /// Whether the field names the type itself (`children: Vec<Node>`).
    pub recursive: bool,
    /// Whether the field's view would hold a view of the type itself inline
    /// (`Box<Expr>` in `enum Expr`): an enum's variant views hold it as `Nested`.
    pub nested: bool,
    /// Whether `stored` is `Indirect<ty>`.
    pub indirect: bool,
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub style: Style,
    pub fields: Vec<Field<'a>>,
    /// `= expr`, if given.
    pub discriminant: Option<&'a syn::Expr>,
    /// `#[mmf(other)]`: the fallback for values of variants it does not know.
    pub other: Option<Span>,
}

/// How a variant's fields are written.
#[derive(Clone, Copy, PartialEq)]
pub enum Style {
    Unit,
    Tuple,
    Named,
}

impl<'a> Body<'a> {
    /// Every field: a struct's, or every variant's in order.
    pub fn fields(&self) -> Vec<&Field<'a>> {
        match self {
            Body::Struct { fields, .. } => fields.iter().collect(),
            Body::Enum { variants, .. } => variants.iter().flat_map(|v| &v.fields).collect(),
            Body::Union => Vec::new(),
        }
    }

    /// Every field, to change.
    pub fn fields_mut(&mut self) -> Vec<&mut Field<'a>> {
        match self {
            Body::Struct { fields, .. } => fields.iter_mut().collect(),
            Body::Enum { variants, .. } => {
                variants.iter_mut().flat_map(|v| &mut v.fields).collect()
            }
            Body::Union => Vec::new(),
        }
    }

    /// Whether this is an enum some variant of which has fields (or braces
    /// or parentheses), and so is stored as a tag and the variant's fields.
    pub fn has_data(&self) -> bool {
        match self {
            Body::Enum { variants, .. } => variants.iter().any(|v| v.style != Style::Unit),
            _ => false,
        }
    }
}

/// The integer an enum's discriminant is stored as.
#[derive(Clone)]
pub struct Repr {
    pub ident: Ident,
    /// The matching `Scalar` variant of the runtime.
    pub scalar: &'static str,
}

impl<'a> Input<'a> {
    pub fn from_syn(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let place = match input.data {
            Data::Enum(_) => Place::Enum,
            _ => Place::Struct,
        };
        let attrs = attr::Container::from_attrs(cx, &input.attrs, place);
        let data = match &input.data {
            Data::Struct(data) => Body::Struct {
                fields: fields(cx, &data.fields, Place::Field, None),
                tuple: matches!(data.fields, Fields::Unnamed(_)),
            },
            Data::Enum(data) => {
                let variants: Vec<_> = data
                    .variants
                    .iter()
                    .map(|variant| {
                        let attrs = attr::Field::from_attrs(cx, &variant.attrs, Place::Variant);
                        Variant {
                            other: attrs.other,
                            ident: &variant.ident,
                            style: match variant.fields {
                                Fields::Unit => Style::Unit,
                                Fields::Unnamed(_) => Style::Tuple,
                                Fields::Named(_) => Style::Named,
                            },
                            // Variant fields are as visible as the enum.
                            fields: fields(
                                cx,
                                &variant.fields,
                                Place::VariantField,
                                Some(&input.vis),
                            ),
                            discriminant: variant.discriminant.as_ref().map(|(_, expr)| expr),
                        }
                    })
                    .collect();
                Body::Enum { repr: repr(cx, input), variants }
            }
            Data::Union(_) => Body::Union,
        };
        Input { ident: &input.ident, vis: &input.vis, generics: &input.generics, attrs, data }
    }

    /// Whether some field names the type itself (`children: Vec<Node>`).
    pub fn is_recursive(&self) -> bool {
        self.data.fields().iter().any(|f| f.recursive)
    }
}

fn fields<'a>(
    cx: &mut Ctxt,
    fields: &'a Fields,
    place: Place,
    vis: Option<&'a Visibility>,
) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (member, ident, name) = match &node.ident {
                Some(ident) => (Member::Named(ident.clone()), ident.clone(), ident.to_string()),
                None => (
                    Member::Unnamed(i.into()),
                    format_ident!("_{}", i, span = Span::call_site()),
                    i.to_string(),
                ),
            };
            Field {
                member,
                ident,
                name,
                vis: vis.unwrap_or(&node.vis),
                ty: &node.ty,
                attrs: attr::Field::from_attrs(cx, &node.attrs, place),
                stored: node.ty.clone(),
                proxy: node.ty.clone(),
                layout: node.ty.clone(),
                recursive: false,
                nested: false,
                indirect: false,
            }
        })
        .collect()
}

/// The enum's `#[repr(..)]` integer, if it has one of the supported ones.
fn repr(cx: &mut Ctxt, input: &DeriveInput) -> Option<Repr> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident() else { return Ok(()) };
            let scalar = match ident.to_string().as_str() {
                "u8" => "U8",
                "u16" => "U16",
                "u32" => "U32",
                "i8" | "i16" | "i32" | "i64" | "u64" | "i128" | "u128" | "isize" | "usize" => {
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "`#[repr({ident})]` is not supported for `Mapped` enums; use `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`"
                        ),
                    );
                    return Ok(());
                }
                _ => return Ok(()),
            };
            found = Some(Repr { ident: ident.clone(), scalar });
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    found
}
