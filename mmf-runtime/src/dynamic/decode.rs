//! Reading a file without its Rust types: the layout comes from the file's
//! embedded schema ([`DynLayout`]), the object graph is validated by it as a
//! typed open validates, and [`DynValue`] cursors read fields by name, index or
//! path (`hikes[3].gps_track[0].z`).
//!
//! Every read copies the bytes it needs out of the file after checking their
//! bounds, so a schema or a file that lies gives wrong values or `None`, never a
//! read outside the data.

use std::fmt;

use crate::format::error::Result;
use crate::format::layout::{FieldLayout, Kind, Layout, Scalar};
use crate::format::tables::{SchemaTables, scalar_of_tag, unreadable};
use crate::format::tables::{
    TAG_ARRAY, TAG_BOX, TAG_DATA_ENUM, TAG_ENUM, TAG_HASH_MAP, TAG_LIST, TAG_OPTION,
    TAG_SORTED_MAP, TAG_STR, TAG_STRUCT,
};

/// The layout of one stored type, as a file's embedded schema describes it:
/// what [`Layout`] is for a Rust type, owned and read at run time.
///
/// # Example
///
/// ```
/// use mmf_runtime::{DynLayout, Mapped};
///
/// let schema = mmf_runtime::schema::encode(<Vec<u8> as Mapped>::LAYOUT);
/// let layout = DynLayout::decode(&schema)?;
/// assert_eq!(layout, DynLayout::from_layout(<Vec<u8> as Mapped>::LAYOUT));
/// assert_eq!(layout.to_string(), "Vec<u8>");
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynLayout {
    /// The struct or enum name, or the built-in type's (`Vec`, `f64`, …).
    pub name: String,
    /// The size of the stored form.
    pub size: u64,
    /// The alignment of the stored form.
    pub align: u64,
    /// What the stored bytes mean.
    pub kind: DynKind,
}

/// What kind of value a [`DynLayout`] describes; see [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // as in `Kind`
pub enum DynKind {
    Scalar(Scalar),
    Str,
    List(Box<DynLayout>),
    Option(Box<DynLayout>),
    Box(Box<DynLayout>),
    Map { key: Box<DynLayout>, value: Option<Box<DynLayout>>, hashed: bool },
    Array { element: Box<DynLayout>, len: u64 },
    Struct(Vec<DynField>),
    Enum { repr: Scalar, variants: Vec<DynVariant> },
}

/// One field of a struct in a [`DynLayout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynField {
    /// The field's name.
    pub name: String,
    /// Bytes from the start of the struct's stored form.
    pub offset: u64,
    /// The field's layout.
    pub layout: DynLayout,
}

/// One variant of an enum in a [`DynLayout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynVariant {
    /// The variant's name.
    pub name: String,
    /// Its discriminant.
    pub discriminant: u64,
    /// Its fields, as a struct named after the variant and laid over the
    /// enum's whole stored form: field offsets count from the enum's start.
    /// No fields for a unit variant.
    pub payload: DynLayout,
}

impl DynVariant {
    /// The variant's fields.
    pub fn fields(&self) -> &[DynField] {
        match &self.payload.kind {
            DynKind::Struct(fields) => fields,
            _ => &[],
        }
    }
}

/// How deep an embedded schema may nest types.
const MAX_DEPTH: u32 = 64;

impl DynLayout {
    /// Reads an embedded schema (the encoding [`crate::schema`] describes),
    /// checking that it describes layouts mmf could have written: sizes,
    /// alignments and field offsets that fit together.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaUnreadable`](crate::Error::SchemaUnreadable) with the byte where reading stopped.
    pub fn decode(schema: &[u8]) -> Result<DynLayout> {
        let tables = SchemaTables::new(schema)?;
        tables.layout(0, 0)
    }

    /// The same tree as a Rust type's [`Layout`].
    pub fn from_layout(layout: &Layout) -> DynLayout {
        let kind = match layout.kind {
            Kind::Scalar(s) => DynKind::Scalar(s),
            Kind::Str => DynKind::Str,
            Kind::List(element) => DynKind::List(Box::new(DynLayout::from_layout(element))),
            Kind::Option(value) => DynKind::Option(Box::new(DynLayout::from_layout(value))),
            Kind::Box(value) => DynKind::Box(Box::new(DynLayout::from_layout(value))),
            Kind::Map { key, value, hashed } => DynKind::Map {
                key: Box::new(DynLayout::from_layout(key)),
                value: value.map(|value| Box::new(DynLayout::from_layout(value))),
                hashed,
            },
            Kind::Array { element, len } => DynKind::Array {
                element: Box::new(DynLayout::from_layout(element)),
                len: len as u64,
            },
            Kind::Struct(fields) => DynKind::Struct(dyn_fields(fields)),
            Kind::Enum { repr, variants } => DynKind::Enum {
                repr,
                variants: variants
                    .iter()
                    .map(|v| DynVariant {
                        name: v.name.to_owned(),
                        discriminant: v.discriminant,
                        payload: DynLayout {
                            name: v.name.to_owned(),
                            size: layout.size as u64,
                            align: layout.align as u64,
                            kind: DynKind::Struct(dyn_fields(v.fields)),
                        },
                    })
                    .collect(),
            },
        };
        DynLayout {
            name: layout.name.to_owned(),
            size: layout.size as u64,
            align: layout.align as u64,
            kind,
        }
    }

    /// Whether this is an enum some variant of which has fields: stored as
    /// its discriminant, then the fields of the variant it holds.
    ///
    /// ```
    /// use mmf_runtime::{DynLayout, Mapped};
    /// assert!(!DynLayout::from_layout(<Option<u8> as Mapped>::LAYOUT).has_data());
    /// ```
    pub fn has_data(&self) -> bool {
        match &self.kind {
            DynKind::Enum { variants, .. } => variants.iter().any(|v| !v.fields().is_empty()),
            _ => false,
        }
    }

    /// Whether this type can be a map's key: an integer, `bool`, `char` or a
    /// string (see [`crate::MapKey`]).
    pub fn is_map_key(&self) -> bool {
        match &self.kind {
            DynKind::Scalar(s) => !matches!(s, Scalar::F32 | Scalar::F64),
            DynKind::Str => true,
            _ => false,
        }
    }

    /// Whether validation must look at each value of this type: it holds
    /// offsets, or values some bit patterns of which are invalid.
    pub(crate) fn checked(&self) -> bool {
        match &self.kind {
            DynKind::Scalar(s) => matches!(s, Scalar::Bool | Scalar::Char),
            DynKind::Str
            | DynKind::List(_)
            | DynKind::Option(_)
            | DynKind::Box(_)
            | DynKind::Map { .. }
            | DynKind::Enum { .. } => true,
            DynKind::Array { element, len } => *len > 0 && element.checked(),
            DynKind::Struct(fields) => fields.iter().any(|f| f.layout.checked()),
        }
    }
}

fn dyn_fields(fields: &[FieldLayout]) -> Vec<DynField> {
    fields
        .iter()
        .map(|f| DynField {
            name: f.name.to_owned(),
            offset: f.offset as u64,
            layout: DynLayout::from_layout(f.layout),
        })
        .collect()
}

/// Writes the type as Rust would name it: `Vec<Hike>`, `[f64; 3]`, `Option<u8>`.
impl fmt::Display for DynLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DynKind::Scalar(s) => f.write_str(s.name()),
            DynKind::Str => f.write_str("String"),
            DynKind::List(element) => write!(f, "Vec<{element}>"),
            DynKind::Option(value) => write!(f, "Option<{value}>"),
            DynKind::Box(value) => write!(f, "Box<{value}>"),
            DynKind::Map { key, value: Some(value), .. } => {
                write!(f, "{}<{key}, {value}>", self.name)
            }
            DynKind::Map { key, value: None, .. } => write!(f, "{}<{key}>", self.name),
            DynKind::Array { element, len } => write!(f, "[{element}; {len}]"),
            DynKind::Struct(_) | DynKind::Enum { .. } => f.write_str(&self.name),
        }
    }
}

/// The size and alignment of a scalar's stored form on this machine.
fn scalar_size_align(s: Scalar) -> (u64, u64) {
    let (size, align) = match s {
        Scalar::U8 | Scalar::I8 | Scalar::Bool => (1, 1),
        Scalar::U16 | Scalar::I16 => (2, 2),
        Scalar::U32 | Scalar::I32 | Scalar::F32 | Scalar::Char => (4, 4),
        Scalar::U64 | Scalar::I64 | Scalar::F64 => (8, align_of::<u64>()),
        Scalar::U128 | Scalar::I128 => (16, align_of::<u128>()),
    };
    (size, align as u64)
}

impl SchemaTables<'_> {
    fn layout(&self, index: u32, depth: u32) -> Result<DynLayout> {
        let ty = self.type_record(index)?;
        let at = ty.at;
        if depth > MAX_DEPTH {
            return Err(unreadable(at, format!("types nest deeper than {MAX_DEPTH} levels")));
        }
        let element = |depth| -> Result<DynLayout> { self.layout(self.element(&ty)?.index, depth) };
        let kind = match ty.kind {
            TAG_STR => DynKind::Str,
            TAG_LIST => {
                let element = element(depth + 1)?;
                if element.size == 0 {
                    return Err(unreadable(at, "a list of zero-sized elements"));
                }
                DynKind::List(Box::new(element))
            }
            TAG_OPTION => DynKind::Option(Box::new(element(depth + 1)?)),
            TAG_BOX => {
                let value = element(depth + 1)?;
                if value.size == 0 {
                    return Err(unreadable(at, "a box of a zero-sized value"));
                }
                DynKind::Box(Box::new(value))
            }
            TAG_ARRAY => DynKind::Array { element: Box::new(element(depth + 1)?), len: ty.count },
            TAG_SORTED_MAP | TAG_HASH_MAP => {
                let parts = self.fields(&ty)?;
                let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
                if names != ["key"] && names != ["key", "value"] {
                    return Err(unreadable(at, "a map's parts are not `key` and `value`"));
                }
                let key = self.layout(parts[0].ty.index, depth + 1)?;
                if !key.is_map_key() {
                    return Err(unreadable(at, format!("`{key}` cannot be a map's key")));
                }
                let value = match parts.get(1) {
                    Some(value) => Some(Box::new(self.layout(value.ty.index, depth + 1)?)),
                    None => None,
                };
                if key.size == 0 || value.as_ref().is_some_and(|v| v.size == 0) {
                    return Err(unreadable(at, "a map of zero-sized keys or values"));
                }
                DynKind::Map { key: Box::new(key), value, hashed: ty.kind == TAG_HASH_MAP }
            }
            TAG_STRUCT => {
                let mut fields: Vec<DynField> = Vec::new();
                for field in self.fields(&ty)? {
                    fields.push(DynField {
                        name: field.name.to_owned(),
                        offset: field.offset,
                        layout: self.layout(field.ty.index, depth + 1)?,
                    });
                }
                DynKind::Struct(fields)
            }
            TAG_ENUM | TAG_DATA_ENUM => {
                let repr = scalar_of_tag(ty.repr)
                    .filter(|r| matches!(r, Scalar::U8 | Scalar::U16 | Scalar::U32));
                let repr = repr.ok_or_else(|| {
                    unreadable(at, format!("enum `{}` is not stored as u8, u16 or u32", ty.name))
                })?;
                let mut variants = Vec::new();
                if ty.kind == TAG_ENUM {
                    for v in self.variants(&ty)? {
                        let payload = DynLayout {
                            name: v.name.to_owned(),
                            size: ty.size,
                            align: ty.align,
                            kind: DynKind::Struct(Vec::new()),
                        };
                        variants.push(DynVariant {
                            name: v.name.to_owned(),
                            discriminant: v.discriminant,
                            payload,
                        });
                    }
                } else {
                    for v in self.fields(&ty)? {
                        let payload = self.layout(v.ty.index, depth + 1)?;
                        let fields_past_tag = match &payload.kind {
                            DynKind::Struct(fields) => {
                                fields.iter().all(|f| f.offset >= scalar_size_align(repr).0)
                            }
                            _ => false,
                        };
                        if !fields_past_tag || (payload.size, payload.align) != (ty.size, ty.align)
                        {
                            return Err(unreadable(
                                v.ty.at,
                                format!(
                                    "variant `{}` of `{}` is not a struct laid over the enum after its discriminant",
                                    v.name, ty.name
                                ),
                            ));
                        }
                        variants.push(DynVariant {
                            name: v.name.to_owned(),
                            discriminant: v.offset,
                            payload,
                        });
                    }
                }
                DynKind::Enum { repr, variants }
            }
            tag => DynKind::Scalar(
                scalar_of_tag(tag)
                    .ok_or_else(|| unreadable(at, format!("kind {tag} is unknown")))?,
            ),
        };
        let layout = DynLayout { name: ty.name.to_owned(), size: ty.size, align: ty.align, kind };
        check_size(&layout, at)?;
        Ok(layout)
    }
}

/// Checks that a layout's size and alignment are those mmf gives its kind,
/// and that a struct's fields fit in it, in order.
fn check_size(layout: &DynLayout, at: usize) -> Result<()> {
    let (size, align) = (layout.size, layout.align);
    let expected = match &layout.kind {
        DynKind::Scalar(s) => Some(scalar_size_align(*s)),
        DynKind::Enum { repr, .. } if !layout.has_data() => Some(scalar_size_align(*repr)),
        DynKind::Str | DynKind::List(_) => Some((16, 8)),
        DynKind::Box(_) => Some((8, 8)),
        DynKind::Map { .. } => Some((56, 8)),
        DynKind::Option(value) => Some((value.align + value.size, value.align)),
        DynKind::Array { element, len } => {
            element.size.checked_mul(*len).map(|size| (size, element.align))
        }
        DynKind::Struct(_) | DynKind::Enum { .. } => None,
    };
    let fits = match (&layout.kind, expected) {
        (_, Some(expected)) => (size, align) == expected,
        (DynKind::Enum { repr, .. }, None) => {
            let (tag_size, tag_align) = scalar_size_align(*repr);
            align.is_power_of_two()
                && align >= tag_align
                && size.is_multiple_of(align)
                && size >= tag_size
        }
        (DynKind::Struct(fields), None) => {
            let mut end = 0;
            align.is_power_of_two()
                && size.is_multiple_of(align)
                && fields.iter().all(|f| {
                    let fits = f.offset >= end
                        && f.offset.is_multiple_of(f.layout.align)
                        && f.layout.align <= align
                        && f.offset.checked_add(f.layout.size).is_some_and(|e| e <= size);
                    end = f.offset.saturating_add(f.layout.size);
                    fits
                })
        }
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(unreadable(
            at,
            format!(
                "type `{layout}`: size {size} and alignment {align} do not fit its kind and fields"
            ),
        ))
    }
}
