//! Reader code for other languages, generated from a layout: a C header, C#
//! structs with a `MemoryMappedFile` reader, and Python `ctypes` classes over
//! `mmap` (with numpy dtypes for plain structs). Every generated type has the
//! offsets and sizes of the Rust stored form, and checks them: `_Static_assert`
//! in C, `Marshal.SizeOf`/`OffsetOf` checks in C#, `assert`s at import in
//! Python.
//!
//! The readers are read-only and trust the file: run `mmf verify` (or open it
//! with mmf) first. Strings and lists are `(offset, length)` pairs from the
//! start of the file; the generated helpers turn them into text and elements.
//!
//! # Example
//!
//! ```
//! let header = mmf_codegen::c_header::<Vec<f64>>();
//! assert!(header.contains("_Static_assert(sizeof(mmf_vec) == 16"));
//! ```

#![warn(missing_docs)]

mod c;
mod csharp;
mod python;

pub use c::c_header_from;
pub use csharp::csharp_from;
pub use python::python_from;

use mmf_runtime::{DynKind, DynLayout, DynVariant, Mapped};

/// A C header for `T`'s files.
pub fn c_header<T: Mapped>() -> String {
    c_header_from(&DynLayout::from_layout(T::LAYOUT), T::SCHEMA_HASH)
}

/// C# code for `T`'s files.
pub fn csharp<T: Mapped>() -> String {
    csharp_from(&DynLayout::from_layout(T::LAYOUT), T::SCHEMA_HASH)
}

/// A Python module for `T`'s files.
pub fn python<T: Mapped>() -> String {
    python_from(&DynLayout::from_layout(T::LAYOUT), T::SCHEMA_HASH)
}

/// The named types a root reaches, dependencies before the types using them:
/// structs, enums and options (options become small named structs). An enum
/// with data comes after the structs of its variants' fields
/// ([`variant_structs`]), and is generated as a union of them and its tag.
fn named_types(root: &DynLayout) -> Vec<DynLayout> {
    fn push(layout: DynLayout, out: &mut Vec<DynLayout>) {
        if !out.iter().any(|seen| type_name(seen) == type_name(&layout)) {
            out.push(layout);
        }
    }
    fn visit(layout: &DynLayout, out: &mut Vec<DynLayout>) {
        match &layout.kind {
            // A recursive type inside itself is generated where it encloses itself.
            DynKind::Scalar(_) | DynKind::Str | DynKind::Recursive { .. } => return,
            DynKind::List(inner) | DynKind::Box(inner) | DynKind::Array { element: inner, .. } => {
                return visit(inner, out);
            }
            DynKind::Map { key, value, .. } => {
                visit(key, out);
                if let Some(value) = value {
                    visit(value, out);
                }
                return;
            }
            DynKind::Option(inner) => visit(inner, out),
            DynKind::Struct(fields) => fields.iter().for_each(|f| visit(&f.layout, out)),
            DynKind::Enum { .. } => {
                for (_, fields) in variant_structs(layout) {
                    let DynKind::Struct(inner) = &fields.kind else { continue };
                    inner.iter().for_each(|f| visit(&f.layout, out));
                    push(fields, out);
                }
            }
        }
        push(layout.clone(), out);
    }
    let mut out = Vec::new();
    visit(root, &mut out);
    out
}

/// For an enum with data, one struct per variant with fields, named
/// `Enum_Variant`: as large as the enum, its fields at their offsets from the
/// enum's start (the bytes before them cover the tag), aligned as its fields.
fn variant_structs(layout: &DynLayout) -> Vec<(&DynVariant, DynLayout)> {
    let DynKind::Enum { variants, .. } = &layout.kind else { return Vec::new() };
    variants
        .iter()
        .filter(|v| !v.fields().is_empty())
        .map(|v| {
            let align = v.fields().iter().map(|f| f.layout.align).max().unwrap_or(1);
            let fields = DynLayout {
                name: format!("{}_{}", identifier(&layout.name), v.name),
                size: layout.size,
                align,
                kind: DynKind::Struct(v.fields().to_vec()),
            };
            (v, fields)
        })
        .collect()
}

/// A name for a type, usable as an identifier in every target language.
fn type_name(layout: &DynLayout) -> String {
    match &layout.kind {
        DynKind::Scalar(s) => s.name().to_owned(),
        DynKind::Str => "str".to_owned(),
        DynKind::List(inner) => format!("Vec_{}", type_name(inner)),
        DynKind::Box(inner) => format!("Box_{}", type_name(inner)),
        DynKind::Map { key, value: Some(value), .. } => {
            format!("Map_{}_{}", type_name(key), type_name(value))
        }
        DynKind::Map { key, value: None, .. } => format!("Set_{}", type_name(key)),
        DynKind::Option(inner) => format!("Option_{}", type_name(inner)),
        DynKind::Array { element, len } => format!("Array{len}_{}", type_name(element)),
        DynKind::Struct(_) | DynKind::Enum { .. } | DynKind::Recursive { .. } => {
            identifier(&layout.name)
        }
    }
}

/// A type's name as an identifier: an instantiation of a generic struct,
/// `Pair<f32, Series<Coord>>`, becomes `Pair_f32_Series_Coord`; a tuple,
/// `(u8, Option<char>)`, `Tuple_u8_Option_char`.
///
/// ```
/// assert_eq!(mmf_codegen::identifier("Pair<f32, Series<Coord>>"), "Pair_f32_Series_Coord");
/// assert_eq!(mmf_codegen::identifier("(String, [u8; 3])"), "Tuple_String_u8_3");
/// ```
pub fn identifier(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 5);
    if name.starts_with('(') {
        out.push_str("Tuple");
    }
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The members of a named type: `(name, offset, layout)`; an option's are its
/// tag and its value.
fn members(layout: &DynLayout) -> Vec<(String, u64, &DynLayout)> {
    match &layout.kind {
        DynKind::Struct(fields) => {
            fields.iter().map(|f| (field_name(&f.name), f.offset, &f.layout)).collect()
        }
        DynKind::Option(value) => vec![("value".to_owned(), value.align, &**value)],
        _ => Vec::new(),
    }
}

/// Tuple fields `0`, `1` become `_0`, `_1`.
fn field_name(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_owned()
    }
}

fn root_comment(root: &DynLayout, hash: u64) -> String {
    format!("Generated by mmf from the schema of `{root}` (schema hash {hash:#018x}). Do not edit.")
}

// ---------------------------------------------------------------- C
