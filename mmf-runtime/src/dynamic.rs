//! Reading a file without its Rust types: the layout comes from the file's
//! embedded schema ([`DynLayout`]), the object graph is validated by it as a
//! typed open validates, and [`DynValue`] cursors read fields by name, index or
//! path (`hikes[3].gps_track[0].z`).
//!
//! Every read copies the bytes it needs out of the file after checking their
//! bounds, so a schema or a file that lies gives wrong values or `None`, never a
//! read outside the data.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::MmapRaw;

use crate::error::{Error, PathSegment, Problem, Result};
use crate::file::{MapOptions, raw_file};
use crate::header::Header;
use crate::layout::{Kind, Layout, Scalar};
use crate::open::{Opened, open_reader};
use crate::schema::{
    FIELD_LEN, HEADER_LEN as SCHEMA_HEADER, MAGIC, TAG_ARRAY, TAG_ENUM, TAG_LIST, TAG_OPTION,
    TAG_STR, TAG_STRUCT, TYPE_LEN, VARIANT_LEN, VERSION, scalar_tag,
};
use crate::validate::Validator;
use crate::view::FileRef;

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
    /// [`Error::SchemaUnreadable`] with the byte where reading stopped.
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
            Kind::Array { element, len } => DynKind::Array {
                element: Box::new(DynLayout::from_layout(element)),
                len: len as u64,
            },
            Kind::Struct(fields) => DynKind::Struct(
                fields
                    .iter()
                    .map(|f| DynField {
                        name: f.name.to_owned(),
                        offset: f.offset as u64,
                        layout: DynLayout::from_layout(f.layout),
                    })
                    .collect(),
            ),
            Kind::Enum { repr, variants } => DynKind::Enum {
                repr,
                variants: variants
                    .iter()
                    .map(|v| DynVariant { name: v.name.to_owned(), discriminant: v.discriminant })
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

    /// Whether validation must look at each value of this type: it holds
    /// offsets, or values some bit patterns of which are invalid.
    fn checked(&self) -> bool {
        match &self.kind {
            DynKind::Scalar(s) => matches!(s, Scalar::Bool | Scalar::Char),
            DynKind::Str | DynKind::List(_) | DynKind::Option(_) | DynKind::Enum { .. } => true,
            DynKind::Array { element, len } => *len > 0 && element.checked(),
            DynKind::Struct(fields) => fields.iter().any(|f| f.layout.checked()),
        }
    }
}

/// Writes the type as Rust would name it: `Vec<Hike>`, `[f64; 3]`, `Option<u8>`.
impl fmt::Display for DynLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DynKind::Scalar(s) => f.write_str(s.name()),
            DynKind::Str => f.write_str("String"),
            DynKind::List(element) => write!(f, "Vec<{element}>"),
            DynKind::Option(value) => write!(f, "Option<{value}>"),
            DynKind::Array { element, len } => write!(f, "[{element}; {len}]"),
            DynKind::Struct(_) | DynKind::Enum { .. } => f.write_str(&self.name),
        }
    }
}

fn unreadable(at: usize, problem: impl Into<String>) -> Error {
    Error::SchemaUnreadable { at: at as u64, problem: problem.into() }
}

const SCALARS: [Scalar; 14] = [
    Scalar::U8,
    Scalar::U16,
    Scalar::U32,
    Scalar::U64,
    Scalar::U128,
    Scalar::I8,
    Scalar::I16,
    Scalar::I32,
    Scalar::I64,
    Scalar::I128,
    Scalar::F32,
    Scalar::F64,
    Scalar::Bool,
    Scalar::Char,
];

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

/// The tables of an embedded schema (see [`crate::schema`]), located and
/// size-checked; records are read from them by index.
pub(crate) struct SchemaTables<'a> {
    bytes: &'a [u8],
    counts: [u32; 3],
    /// Where the field, variant and name tables start.
    starts: [usize; 3],
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

impl<'a> SchemaTables<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < SCHEMA_HEADER || &bytes[..4] != MAGIC || le_u32(bytes, 4) != VERSION {
            return Err(unreadable(
                0,
                format!("it does not start with `MMFS` and version {VERSION}"),
            ));
        }
        let [types, fields, variants, names] = [8, 12, 16, 20].map(|at| le_u32(bytes, at) as u64);
        if types == 0 || le_u32(bytes, 24) != 0 {
            return Err(unreadable(8, "the root must be type 0 of at least one"));
        }
        // In u64: four u32 counts times small record sizes cannot overflow it.
        let field_start = SCHEMA_HEADER as u64 + TYPE_LEN as u64 * types;
        let variant_start = field_start + FIELD_LEN as u64 * fields;
        let name_start = variant_start + VARIANT_LEN as u64 * variants;
        if name_start + names != bytes.len() as u64 {
            let need = name_start + names;
            return Err(unreadable(
                8,
                format!("its tables need {need} bytes, it has {}", bytes.len()),
            ));
        }
        // All inside `bytes`, so they fit in `usize`.
        let (field_start, variant_start, name_start) =
            (field_start as usize, variant_start as usize, name_start as usize);
        Ok(SchemaTables {
            bytes,
            counts: [types as u32, fields as u32, variants as u32],
            starts: [field_start, variant_start, name_start],
        })
    }

    fn name(&self, record: usize) -> Result<&'a str> {
        let (offset, len) =
            (le_u32(self.bytes, record) as usize, le_u32(self.bytes, record + 4) as usize);
        let names = &self.bytes[self.starts[2]..];
        let name = names.get(offset..).and_then(|rest| rest.get(..len));
        let name = name.ok_or_else(|| unreadable(record, "a name lies outside the name table"))?;
        core::str::from_utf8(name).map_err(|_| unreadable(record, "a name is not UTF-8"))
    }

    /// The root type's name, when it is a struct or an enum.
    pub(crate) fn root_name(&self) -> Option<&'a str> {
        let kind = self.bytes[SCHEMA_HEADER];
        let named = kind == TAG_STRUCT || kind == TAG_ENUM;
        if named { self.name(SCHEMA_HEADER + 4).ok() } else { None }
    }

    /// The indices `first..first + count` of table `table` (0: types, 1: fields,
    /// 2: variants), if they are all in it and, for types, after `parent`.
    fn range(
        &self,
        table: usize,
        first: u32,
        count: u64,
        parent: Option<u32>,
        at: usize,
    ) -> Result<core::ops::Range<u32>> {
        let end = u64::from(first) + count;
        let after_parent = parent.is_none_or(|p| first > p);
        if end > u64::from(self.counts[table]) || !after_parent {
            return Err(unreadable(at, "a record points outside its table, or back up the tree"));
        }
        Ok(first..end as u32)
    }

    fn layout(&self, index: u32, depth: u32) -> Result<DynLayout> {
        let at = SCHEMA_HEADER + TYPE_LEN * index as usize;
        if depth > MAX_DEPTH {
            return Err(unreadable(at, format!("types nest deeper than {MAX_DEPTH} levels")));
        }
        let record = &self.bytes[at..at + TYPE_LEN];
        let (kind, repr) = (record[0], record[1]);
        let name = self.name(at + 4)?.to_owned();
        let (child, count) = (le_u32(record, 12), le_u64(record, 16));
        let (size, align) = (le_u64(record, 24), le_u64(record, 32));
        let child_type = |depth| -> Result<DynLayout> {
            let child = self.range(0, child, 1, Some(index), at)?.start;
            self.layout(child, depth)
        };
        let kind = match kind {
            TAG_STR => DynKind::Str,
            TAG_LIST => {
                let element = child_type(depth + 1)?;
                if element.size == 0 {
                    return Err(unreadable(at, "a list of zero-sized elements"));
                }
                DynKind::List(Box::new(element))
            }
            TAG_OPTION => DynKind::Option(Box::new(child_type(depth + 1)?)),
            TAG_ARRAY => DynKind::Array { element: Box::new(child_type(depth + 1)?), len: count },
            TAG_STRUCT => {
                let mut fields: Vec<DynField> = Vec::new();
                for i in self.range(1, child, count, None, at)? {
                    let field_at = self.starts[0] + FIELD_LEN * i as usize;
                    let field_type = le_u32(self.bytes, field_at + 16);
                    let field_type = self.range(0, field_type, 1, Some(index), field_at)?.start;
                    fields.push(DynField {
                        name: self.name(field_at)?.to_owned(),
                        offset: le_u64(self.bytes, field_at + 8),
                        layout: self.layout(field_type, depth + 1)?,
                    });
                }
                DynKind::Struct(fields)
            }
            TAG_ENUM => {
                let repr =
                    scalar(repr).filter(|r| matches!(r, Scalar::U8 | Scalar::U16 | Scalar::U32));
                let repr = repr.ok_or_else(|| {
                    unreadable(at, format!("enum `{name}` is not stored as u8, u16 or u32"))
                })?;
                let mut variants = Vec::new();
                for i in self.range(2, child, count, None, at)? {
                    let variant_at = self.starts[1] + VARIANT_LEN * i as usize;
                    variants.push(DynVariant {
                        name: self.name(variant_at)?.to_owned(),
                        discriminant: le_u64(self.bytes, variant_at + 8),
                    });
                }
                DynKind::Enum { repr, variants }
            }
            tag => DynKind::Scalar(
                scalar(tag).ok_or_else(|| unreadable(at, format!("kind {tag} is unknown")))?,
            ),
        };
        let layout = DynLayout { name, size, align, kind };
        check_size(&layout, at)?;
        Ok(layout)
    }
}

fn scalar(tag: u8) -> Option<Scalar> {
    SCALARS.into_iter().find(|&s| scalar_tag(s) == tag)
}

/// Checks that a layout's size and alignment are those mmf gives its kind,
/// and that a struct's fields fit in it, in order.
fn check_size(layout: &DynLayout, at: usize) -> Result<()> {
    let (size, align) = (layout.size, layout.align);
    let expected = match &layout.kind {
        DynKind::Scalar(s) => Some(scalar_size_align(*s)),
        DynKind::Enum { repr, .. } => Some(scalar_size_align(*repr)),
        DynKind::Str | DynKind::List(_) => Some((16, 8)),
        DynKind::Option(value) => Some((value.align + value.size, value.align)),
        DynKind::Array { element, len } => {
            element.size.checked_mul(*len).map(|size| (size, element.align))
        }
        DynKind::Struct(_) => None,
    };
    let fits = match (&layout.kind, expected) {
        (_, Some(expected)) => (size, align) == expected,
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

/// A value inside a file read by its embedded schema: where it is and what
/// [`DynLayout`] it has. Reading it checks bounds again, so it never reads
/// outside the file.
///
/// # Example
///
/// ```
/// use mmf_runtime::{DynImage, ScalarValue};
///
/// let bytes = mmf_runtime::to_bytes(&vec![vec![1.5f64, 2.5], vec![]]);
/// let image = DynImage::new(&bytes)?;
/// let value = image.root().path("[0][1]")?;
/// assert_eq!(value.scalar(), Some(ScalarValue::F64(2.5)));
/// assert_eq!(image.root().len(), Some(2));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct DynValue<'a> {
    layout: &'a DynLayout,
    file: FileRef<'a>,
    at: u64,
}

/// A scalar read through a [`DynValue`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)] // the variants are the Rust types of the same name
pub enum ScalarValue {
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    U128(u128),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    I128(i128),
    F32(f32),
    F64(f64),
    Bool(bool),
    Char(char),
}

impl fmt::Display for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ScalarValue::U8(v) => v.fmt(f),
            ScalarValue::U16(v) => v.fmt(f),
            ScalarValue::U32(v) => v.fmt(f),
            ScalarValue::U64(v) => v.fmt(f),
            ScalarValue::U128(v) => v.fmt(f),
            ScalarValue::I8(v) => v.fmt(f),
            ScalarValue::I16(v) => v.fmt(f),
            ScalarValue::I32(v) => v.fmt(f),
            ScalarValue::I64(v) => v.fmt(f),
            ScalarValue::I128(v) => v.fmt(f),
            ScalarValue::F32(v) => fmt::Debug::fmt(&v, f),
            ScalarValue::F64(v) => fmt::Debug::fmt(&v, f),
            ScalarValue::Bool(v) => v.fmt(f),
            ScalarValue::Char(v) => fmt::Debug::fmt(&v, f),
        }
    }
}

impl<'a> DynValue<'a> {
    /// The value's layout.
    pub fn layout(&self) -> &'a DynLayout {
        self.layout
    }

    /// Where the value's stored form starts in the file.
    pub fn offset(&self) -> u64 {
        self.at
    }

    /// `N` bytes at `offset` from the value's start, if they lie in the file.
    fn bytes<const N: usize>(&self, offset: u64) -> Option<[u8; N]> {
        // SAFETY: a `DynValue` is made only from a `FileRef` whose bytes are not
        // written while `'a` lasts (`DynImage`, `DynFile`).
        let bytes = unsafe { self.file.block::<u8>(self.at.checked_add(offset)?, N as u64) }?;
        bytes.try_into().ok()
    }

    /// The `(offset, len)` pair of a string or list.
    fn block(&self) -> Option<(u64, u64)> {
        let offset = u64::from_ne_bytes(self.bytes(0)?);
        let len = u64::from_ne_bytes(self.bytes(8)?);
        Some((offset, len))
    }

    fn at(&self, layout: &'a DynLayout, at: u64) -> DynValue<'a> {
        DynValue { layout, file: self.file, at }
    }

    /// A struct's field by name.
    pub fn field(&self, name: &str) -> Option<DynValue<'a>> {
        let DynKind::Struct(fields) = &self.layout.kind else { return None };
        let field = fields.iter().find(|f| f.name == name)?;
        Some(self.at(&field.layout, self.at.checked_add(field.offset)?))
    }

    /// A struct's fields, in order, with their names.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, DynValue<'a>)> + 'a {
        let fields = match &self.layout.kind {
            DynKind::Struct(fields) => &fields[..],
            _ => &[],
        };
        let this = *self;
        fields
            .iter()
            .map(move |f| (f.name.as_str(), this.at(&f.layout, this.at.saturating_add(f.offset))))
    }

    /// The number of elements of a list or array, or of bytes of a string.
    pub fn len(&self) -> Option<u64> {
        match &self.layout.kind {
            DynKind::List(_) | DynKind::Str => self.block().map(|(_, len)| len),
            DynKind::Array { len, .. } => Some(*len),
            _ => None,
        }
    }

    /// Whether [`len`](Self::len) is `Some(0)`.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Element `index` of a list or array.
    pub fn get(&self, index: u64) -> Option<DynValue<'a>> {
        let (element, start, len) = match &self.layout.kind {
            DynKind::List(element) => {
                let (offset, len) = self.block()?;
                (&**element, offset, len)
            }
            DynKind::Array { element, len } => (&**element, self.at, *len),
            _ => return None,
        };
        if index >= len {
            return None;
        }
        Some(self.at(element, start.checked_add(index.checked_mul(element.size)?)?))
    }

    /// The elements of a list or array (none for other values).
    pub fn elements(&self) -> impl Iterator<Item = DynValue<'a>> + 'a {
        let this = *self;
        let len = match self.layout.kind {
            DynKind::List(_) | DynKind::Array { .. } => self.len().unwrap_or(0),
            _ => 0,
        };
        (0..len).map_while(move |i| this.get(i))
    }

    /// An option's value: `Some(None)` for `None`, `None` if this is not an option.
    pub fn option(&self) -> Option<Option<DynValue<'a>>> {
        let DynKind::Option(value) = &self.layout.kind else { return None };
        let [tag] = self.bytes::<1>(0)?;
        Some((tag == 1).then(|| self.at(value, self.at.saturating_add(value.align))))
    }

    /// A string's text; `None` if this is not a string, or the text is not
    /// where it should be (possible only if the file changed after validation).
    pub fn as_str(&self) -> Option<&'a str> {
        if self.layout.kind != DynKind::Str {
            return None;
        }
        let (offset, len) = self.block()?;
        // SAFETY: as in `bytes`.
        let bytes = unsafe { self.file.block::<u8>(offset, len) }?;
        core::str::from_utf8(bytes).ok()
    }

    /// A number, `bool` or `char`.
    pub fn scalar(&self) -> Option<ScalarValue> {
        let DynKind::Scalar(s) = self.layout.kind else { return None };
        read_scalar(self, s)
    }

    /// An enum's discriminant, and its variant's name if it has one.
    pub fn variant(&self) -> Option<(u64, Option<&'a str>)> {
        let DynKind::Enum { repr, variants } = &self.layout.kind else { return None };
        let discriminant = discriminant(self, *repr)?;
        let name =
            variants.iter().find(|v| v.discriminant == discriminant).map(|v| v.name.as_str());
        Some((discriminant, name))
    }

    /// The value at `path` from this one: field names joined by `.`, indices in
    /// brackets, `?` for an option's value — `hikes[3].gps_track[0].z`.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchPath`] naming the part of the path that was found and the
    /// step that was not.
    pub fn path(&self, path: &str) -> Result<DynValue<'a>> {
        let mut value = *self;
        for step in PathStep::parse(path)? {
            let next = match step.kind {
                StepKind::Field(name) => value.field(name),
                StepKind::Index(index) => value.get(index),
                StepKind::Some => value.option().flatten(),
            };
            value = next.ok_or_else(|| step.missing())?;
        }
        Ok(value)
    }
}

/// One step of a path like `hikes[3].gps_track[0].z`.
pub(crate) struct PathStep<'p> {
    pub kind: StepKind<'p>,
    path: &'p str,
    /// The part of the path before this step, and the step as written.
    found: &'p str,
    text: &'p str,
}

/// What a [`PathStep`] selects.
pub(crate) enum StepKind<'p> {
    Field(&'p str),
    Index(u64),
    Some,
}

impl<'p> PathStep<'p> {
    /// Splits `path` into steps: field names joined by `.`, `[index]`, `?`.
    pub(crate) fn parse(path: &'p str) -> Result<Vec<PathStep<'p>>> {
        let mut steps = Vec::new();
        let mut rest = path;
        while !rest.is_empty() {
            let found = &path[..path.len() - rest.len()];
            let step = |kind, text| PathStep { kind, path, found, text };
            if let Some(after) = rest.strip_prefix('[') {
                let Some(end) = after.find(']') else {
                    return Err(step(StepKind::Some, rest).missing());
                };
                let text = &rest[..end + 2];
                let index = after[..end]
                    .trim()
                    .parse()
                    .map_err(|_| step(StepKind::Some, text).missing())?;
                steps.push(step(StepKind::Index(index), text));
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix('?') {
                steps.push(step(StepKind::Some, "?"));
                rest = after;
            } else {
                let name_part = rest.strip_prefix('.').unwrap_or(rest);
                let end = name_part.find(['.', '[', '?']).unwrap_or(name_part.len());
                let name = &name_part[..end];
                steps.push(step(StepKind::Field(name), name));
                rest = &name_part[end..];
            }
        }
        Ok(steps)
    }

    /// The error for a step that selects nothing.
    pub(crate) fn missing(&self) -> Error {
        Error::NoSuchPath {
            path: self.path.to_owned(),
            found: self.found.to_owned(),
            step: self.text.to_owned(),
        }
    }
}

impl fmt::Debug for DynValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DynValue({} at {})", self.layout, self.at)
    }
}

fn read_scalar(value: &DynValue<'_>, s: Scalar) -> Option<ScalarValue> {
    Some(match s {
        Scalar::U8 => ScalarValue::U8(u8::from_ne_bytes(value.bytes(0)?)),
        Scalar::U16 => ScalarValue::U16(u16::from_ne_bytes(value.bytes(0)?)),
        Scalar::U32 => ScalarValue::U32(u32::from_ne_bytes(value.bytes(0)?)),
        Scalar::U64 => ScalarValue::U64(u64::from_ne_bytes(value.bytes(0)?)),
        Scalar::U128 => ScalarValue::U128(u128::from_ne_bytes(value.bytes(0)?)),
        Scalar::I8 => ScalarValue::I8(i8::from_ne_bytes(value.bytes(0)?)),
        Scalar::I16 => ScalarValue::I16(i16::from_ne_bytes(value.bytes(0)?)),
        Scalar::I32 => ScalarValue::I32(i32::from_ne_bytes(value.bytes(0)?)),
        Scalar::I64 => ScalarValue::I64(i64::from_ne_bytes(value.bytes(0)?)),
        Scalar::I128 => ScalarValue::I128(i128::from_ne_bytes(value.bytes(0)?)),
        Scalar::F32 => ScalarValue::F32(f32::from_ne_bytes(value.bytes(0)?)),
        Scalar::F64 => ScalarValue::F64(f64::from_ne_bytes(value.bytes(0)?)),
        Scalar::Bool => ScalarValue::Bool(value.bytes::<1>(0)?[0] != 0),
        Scalar::Char => ScalarValue::Char(
            char::from_u32(u32::from_ne_bytes(value.bytes(0)?))
                .unwrap_or(char::REPLACEMENT_CHARACTER),
        ),
    })
}

fn discriminant(value: &DynValue<'_>, repr: Scalar) -> Option<u64> {
    match read_scalar(value, repr)? {
        ScalarValue::U8(v) => Some(v.into()),
        ScalarValue::U16(v) => Some(v.into()),
        ScalarValue::U32(v) => Some(v.into()),
        _ => None,
    }
}

/// Validates the value at `value` as its layout says, as `Mapped::validate`
/// does for Rust types.
fn validate(value: DynValue<'_>, v: &mut Validator<'_>) -> Result<()> {
    let at = value.at;
    match &value.layout.kind {
        DynKind::Scalar(Scalar::Bool) => match value.bytes::<1>(0) {
            Some([0 | 1]) => Ok(()),
            Some([b]) => Err(Error::invalid(Problem::InvalidBool { offset: at, value: b })),
            None => Err(out_of_bounds(value)),
        },
        DynKind::Scalar(Scalar::Char) => {
            let code = u32::from_ne_bytes(value.bytes(0).ok_or_else(|| out_of_bounds(value))?);
            match char::from_u32(code) {
                Some(_) => Ok(()),
                None => Err(Error::invalid(Problem::InvalidChar { offset: at, value: code })),
            }
        }
        DynKind::Scalar(_) => Ok(()),
        DynKind::Str => {
            let (offset, len) = value.block().ok_or_else(|| out_of_bounds(value))?;
            v.str(offset, len).map(drop)
        }
        DynKind::List(element) | DynKind::Array { element, .. } => {
            if let DynKind::List(_) = value.layout.kind {
                let (offset, len) = value.block().ok_or_else(|| out_of_bounds(value))?;
                v.block_bytes(offset, len, element.size, element.align)?;
            }
            if element.checked() {
                for (i, item) in value.elements().enumerate() {
                    validate(item, v).map_err(|e| e.within(PathSegment::Index(i as u64)))?;
                }
            }
            Ok(())
        }
        DynKind::Option(_) => match value.bytes::<1>(0) {
            Some([0]) => Ok(()),
            Some([1]) => {
                let inner = value.option().flatten().ok_or_else(|| out_of_bounds(value))?;
                validate(inner, v).map_err(|e| e.within(PathSegment::Some))
            }
            Some([tag]) => {
                Err(Error::invalid(Problem::InvalidOptionTag { offset: at, value: tag }))
            }
            None => Err(out_of_bounds(value)),
        },
        DynKind::Struct(_) => {
            for (name, field) in value.fields() {
                if field.layout.checked() {
                    validate(field, v)
                        .map_err(|e| e.within(PathSegment::Field(name.to_owned().into())))?;
                }
            }
            Ok(())
        }
        DynKind::Enum { .. } => match value.variant().ok_or_else(|| out_of_bounds(value))? {
            (_, Some(_)) => Ok(()),
            (discriminant, None) => Err(Error::invalid(Problem::UnknownDiscriminant {
                offset: at,
                value: discriminant,
                enum_name: value.layout.name.clone().into(),
            })),
        },
    }
}

/// A stored form that does not lie inside the data.
fn out_of_bounds(value: DynValue<'_>) -> Error {
    Error::invalid(Problem::OutOfBounds {
        offset: value.at,
        len: 1,
        element_size: value.layout.size,
        data_len: value.file.len(),
    })
}

/// Checks a file image's header and embedded schema, and validates its
/// object graph by the schema; returns the header and the root's layout.
///
/// # Safety
///
/// No byte of `file` may be written while this runs.
unsafe fn check_dyn(file: FileRef<'_>, header: Header) -> Result<(Header, DynLayout)> {
    header.check_data_len(file.len())?;
    let data = file.prefix(header.data_len);
    // SAFETY: the caller's promise.
    let schema = unsafe { header.schema_bytes(data) }?.ok_or(Error::NoSchema)?;
    let layout = DynLayout::decode(schema)?;
    header.check_root(layout.size, layout.align)?;
    let root = header.root_offset;
    let root_value = DynValue { layout: &layout, file: data, at: root };
    // SAFETY: the caller's promise.
    unsafe { Validator::run(data, &header, layout.size, |v| validate(root_value, v)) }?;
    Ok((header, layout))
}

/// A file image in memory read by its embedded schema, validated.
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&vec![String::from("Rigi")]);
/// let image = mmf_runtime::DynImage::new(&bytes)?;
/// assert_eq!(image.layout().to_string(), "Vec<String>");
/// assert_eq!(image.root().get(0).and_then(|s| s.as_str()), Some("Rigi"));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct DynImage<'a> {
    bytes: &'a [u8],
    header: Header,
    layout: DynLayout,
}

impl<'a> DynImage<'a> {
    /// Validates `bytes` by the schema they carry.
    ///
    /// # Errors
    ///
    /// Header problems, [`Error::NoSchema`], [`Error::SchemaUnreadable`], and
    /// every problem a typed [`from_bytes`](crate::from_bytes) reports.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let header = Header::read(bytes)?;
        // SAFETY: `bytes` is borrowed shared for `'a`.
        let (header, layout) = unsafe { check_dyn(FileRef::new(bytes), header) }?;
        Ok(DynImage { bytes, header, layout })
    }

    /// The root value.
    pub fn root(&self) -> DynValue<'_> {
        let file = FileRef::new(&self.bytes[..self.header.data_len as usize]);
        DynValue { layout: &self.layout, file, at: self.header.root_offset }
    }

    /// The root's layout, from the embedded schema.
    pub fn layout(&self) -> &DynLayout {
        &self.layout
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }
}

/// A file mapped read-only and read by its embedded schema, without its Rust
/// type: validated at open as [`MappedFile::open`](crate::MappedFile::open)
/// validates, and holding the same shared lock.
///
/// # Example
///
/// ```
/// use mmf_runtime::{DynFile, MappedFileMut, ScalarValue};
///
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("levels.mmf");
/// drop(MappedFileMut::create(&path, &vec![Some(3u8), None])?);
/// let file = DynFile::open(&path)?; // no Rust type needed
/// assert_eq!(file.layout().to_string(), "Vec<Option<u8>>");
/// assert_eq!(file.root().path("[0]?")?.scalar(), Some(ScalarValue::U8(3)));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct DynFile {
    map: MmapRaw,
    header: Header,
    layout: DynLayout,
    path: PathBuf,
    _file: File,
}

impl DynFile {
    /// Maps `path` and validates it by its embedded schema.
    ///
    /// # Errors
    ///
    /// As for [`DynImage::new`], and [`Error::Locked`] or [`Error::Io`] as
    /// [`MappedFile::open`](crate::MappedFile::open) reports them.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let opened = open_reader(path, MapOptions::new(), false, |whole, header| {
            // SAFETY: `open_reader` holds the shared lock and lets us borrow
            // the version's blocks.
            unsafe { check_dyn(whole, header) }
        })?;
        let Opened { file, map, checked: (header, layout) } = opened;
        Ok(DynFile { map, header, layout, path: path.to_owned(), _file: file })
    }

    /// The root value.
    pub fn root(&self) -> DynValue<'_> {
        // SAFETY: we hold the shared lock for the life of the mapping.
        let file = unsafe { raw_file(&self.map, self.header.data_len) };
        DynValue { layout: &self.layout, file, at: self.header.root_offset }
    }

    /// The root's layout, from the embedded schema.
    pub fn layout(&self) -> &DynLayout {
        &self.layout
    }

    /// The header read at open.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The file's length in bytes, as mapped.
    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for DynFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynFile")
            .field("path", &self.path)
            .field("type", &self.layout.to_string())
            .finish_non_exhaustive()
    }
}
