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
use crate::format::layout::{DefaultImage, FieldLayout, Kind, Layout, MAX_ALIGN, Scalar};
use crate::format::notes::FieldNote;
use crate::format::tables::{SchemaTables, TypeRecord, scalar_of_tag, unreadable};
use crate::format::tables::{
    TAG_ARRAY, TAG_BOX, TAG_DATA_ENUM, TAG_ENUM, TAG_HASH_MAP, TAG_LIST, TAG_OPTION, TAG_RECURSIVE,
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
    Map {
        key: Box<DynLayout>,
        value: Option<Box<DynLayout>>,
        hashed: bool,
    },
    Array {
        element: Box<DynLayout>,
        len: u64,
    },
    Struct(Vec<DynField>),
    Enum {
        repr: Scalar,
        variants: Vec<DynVariant>,
    },
    /// A recursive type inside its own fields: the enclosing struct or enum
    /// that is node `target` of the tree, counted depth first from the root
    /// (0) as [`DynLayout::node`] counts. Readers follow it by themselves.
    Recursive {
        target: u32,
    },
}

/// One field of a struct in a [`DynLayout`]. Two are equal if their names,
/// offsets and layouts are: the notes are not part of a layout's identity.
#[derive(Debug, Clone)]
pub struct DynField {
    /// The field's name.
    pub name: String,
    /// Bytes from the start of the struct's stored form.
    pub offset: u64,
    /// The field's layout.
    pub layout: DynLayout,
    /// What the program that wrote the schema knew of the field beyond its
    /// layout; `None` if the schema does not say (a [`DynLayout::from_layout`]
    /// tree, whose Rust layout says it, or a schema without notes).
    pub notes: Option<FieldNotes>,
}

impl PartialEq for DynField {
    fn eq(&self, other: &DynField) -> bool {
        (&self.name, self.offset, &self.layout) == (&other.name, other.offset, &other.layout)
    }
}
impl Eq for DynField {}

/// What a schema's notes say of one field: its earlier names and its
/// default, as the program that wrote the schema declared them.
///
/// # Example
///
/// ```
/// use mmf_runtime::{DynLayout, Mapped, ScalarValue};
///
/// #[derive(mmf_derive::Mapped)]
/// #[mmf(crate = "mmf_runtime")]
/// struct Coord {
///     #[mmf(renamed_from = "height", default = 8848.0)]
///     z: f64,
/// }
///
/// let layout = DynLayout::decode(&mmf_runtime::schema::encode(Coord::LAYOUT))?;
/// let mmf_runtime::DynKind::Struct(fields) = &layout.kind else { unreachable!() };
/// let z = &fields[0];
/// let notes = z.notes.as_ref().unwrap();
/// assert_eq!(notes.renamed_from, ["height"]);
/// let default = z.default_value(&layout).unwrap();
/// assert_eq!(default.scalar(), Some(ScalarValue::F64(8848.0)));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FieldNotes {
    /// The names the field had in earlier versions (`#[mmf(renamed_from = "…")]`).
    pub renamed_from: Vec<String>,
    /// The value a file without the field reads as; `None` if the field has
    /// none. Not validated: reads through [`DynValue`](crate::DynValue) check
    /// their bounds as always, and [`notes_problem`](crate::schema::notes_problem)
    /// says whether each default is a value of its field's type.
    pub(crate) default: Option<DefaultImage>,
}

/// One variant of an enum in a [`DynLayout`]. Two are equal if their names,
/// discriminants and payloads are: [`other`](Self::other), a note, is not
/// part of a layout's identity.
#[derive(Debug, Clone)]
pub struct DynVariant {
    /// The variant's name.
    pub name: String,
    /// Its discriminant.
    pub discriminant: u64,
    /// Its fields, as a struct named after the variant and laid over the
    /// enum's whole stored form: field offsets count from the enum's start.
    /// No fields for a unit variant.
    pub payload: DynLayout,
    /// Whether values of variants the program does not know read as this
    /// one (`#[mmf(other)]`), as the Rust layout or the schema's notes say.
    pub other: bool,
}

impl PartialEq for DynVariant {
    fn eq(&self, v: &DynVariant) -> bool {
        (&self.name, self.discriminant, &self.payload) == (&v.name, v.discriminant, &v.payload)
    }
}
impl Eq for DynVariant {}

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
        decode_schema(schema).map(|(layout, _)| layout)
    }

    /// The same tree as a Rust type's [`Layout`].
    pub fn from_layout(layout: &Layout) -> DynLayout {
        DynLayout::convert(layout, &mut Vec::new(), &mut 0, true)
    }

    /// `layout` as node `*next` of the tree (advancing `next` past it and its
    /// children); `enclosing` holds the names and nodes of the structs and
    /// enums around it, which a recursive reference names. A variant's payload
    /// is not one of them (`named` false).
    fn convert(
        layout: &Layout,
        enclosing: &mut Vec<(&'static str, u32)>,
        next: &mut u32,
        named: bool,
    ) -> DynLayout {
        let node = *next;
        *next += 1;
        let pushed = named && matches!(layout.kind, Kind::Struct(_) | Kind::Enum { .. });
        if pushed {
            enclosing.push((layout.name, node));
        }
        let mut child = |l: &Layout| Box::new(DynLayout::convert(l, enclosing, next, true));
        let kind = match layout.kind {
            Kind::Scalar(s) => DynKind::Scalar(s),
            Kind::Str => DynKind::Str,
            Kind::List(element) => DynKind::List(child(element)),
            Kind::Option(value) => DynKind::Option(child(value)),
            Kind::Box(value) => DynKind::Box(child(value)),
            Kind::Map { key, value, hashed } => {
                let key = child(key);
                DynKind::Map { key, value: value.map(child), hashed }
            }
            Kind::Array { element, len } => {
                DynKind::Array { element: child(element), len: len as u64 }
            }
            Kind::Struct(fields) => DynKind::Struct(dyn_fields(fields, enclosing, next)),
            Kind::Enum { repr, variants } => {
                let data = crate::format::layout::has_data(variants);
                let variants = variants
                    .iter()
                    .map(|v| DynVariant {
                        name: v.name.to_owned(),
                        discriminant: v.discriminant,
                        other: v.other,
                        payload: if data {
                            let payload = Layout {
                                name: v.name,
                                size: layout.size,
                                align: layout.align,
                                kind: Kind::Struct(v.fields),
                                frozen: false,
                            };
                            DynLayout::convert(&payload, enclosing, next, false)
                        } else {
                            DynLayout {
                                name: v.name.to_owned(),
                                size: layout.size as u64,
                                align: layout.align as u64,
                                kind: DynKind::Struct(Vec::new()),
                            }
                        },
                    })
                    .collect();
                DynKind::Enum { repr, variants }
            }
            Kind::Recursive => {
                let target = enclosing.iter().rev().find(|(name, _)| *name == layout.name);
                // The derive only makes references to an enclosing type.
                DynKind::Recursive { target: target.map_or(u32::MAX, |&(_, node)| node) }
            }
        };
        if pushed {
            enclosing.pop();
        }
        DynLayout {
            name: layout.name.to_owned(),
            size: layout.size as u64,
            align: layout.align as u64,
            kind,
        }
    }

    /// Node `index` of the tree, counted depth first from this one (0): a
    /// type, then the types below it in the order the embedded schema lists
    /// them. Where a [`DynKind::Recursive`] points.
    ///
    /// ```
    /// use mmf_runtime::{DynLayout, Mapped};
    /// let layout = DynLayout::from_layout(<Vec<Option<u8>> as Mapped>::LAYOUT);
    /// assert_eq!(layout.node(2).map(|n| n.name.as_str()), Some("u8"));
    /// assert!(layout.node(3).is_none());
    /// ```
    pub fn node(&self, index: u32) -> Option<&DynLayout> {
        self.find(index, &mut 0)
    }

    /// The types that contain themselves: the nodes [`DynKind::Recursive`]
    /// references in this tree point to, each once.
    ///
    /// ```
    /// use mmf_runtime::{DynLayout, Mapped};
    /// assert!(DynLayout::from_layout(<Vec<u8> as Mapped>::LAYOUT).recursion_targets().is_empty());
    /// ```
    pub fn recursion_targets(&self) -> Vec<&DynLayout> {
        fn visit<'a>(layout: &'a DynLayout, root: &'a DynLayout, out: &mut Vec<&'a DynLayout>) {
            match &layout.kind {
                DynKind::Recursive { target } => {
                    if let Some(node) = root.node(*target)
                        && !out.iter().any(|seen| core::ptr::eq(*seen, node))
                    {
                        out.push(node);
                    }
                }
                _ => layout.children().for_each(|child| visit(child, root, out)),
            }
        }
        let mut out = Vec::new();
        visit(self, self, &mut out);
        out
    }

    /// The largest alignment of a type in this tree: where an image of it
    /// must start.
    ///
    /// ```
    /// use mmf_runtime::{DynLayout, Mapped};
    /// assert_eq!(DynLayout::from_layout(<Vec<u16> as Mapped>::LAYOUT).max_align(), 8);
    /// ```
    pub fn max_align(&self) -> u64 {
        // A recursive type's alignment was counted where it encloses itself.
        self.children().map(DynLayout::max_align).fold(self.align, u64::max)
    }

    fn find(&self, index: u32, next: &mut u32) -> Option<&DynLayout> {
        if *next == index {
            return Some(self);
        }
        *next += 1;
        self.children().find_map(|child| child.find(index, next))
    }

    /// The types directly below this one, in the order the embedded schema
    /// lists them (as [`node`](Self::node) counts): a container's element,
    /// a map's key and value, a struct's fields, an enum with data's
    /// variants. A recursive reference has none: it points back up.
    pub(crate) fn children(&self) -> impl Iterator<Item = &DynLayout> {
        let none: (&[DynField], &[DynVariant]) = (&[], &[]);
        let (first, second, (fields, variants)) = match &self.kind {
            DynKind::List(inner)
            | DynKind::Option(inner)
            | DynKind::Box(inner)
            | DynKind::Array { element: inner, .. } => (Some(&**inner), None, none),
            DynKind::Map { key, value, .. } => (Some(&**key), value.as_deref(), none),
            DynKind::Struct(fields) => (None, None, (&fields[..], &[][..])),
            DynKind::Enum { variants, .. } if self.has_data() => {
                (None, None, (&[][..], &variants[..]))
            }
            DynKind::Enum { .. }
            | DynKind::Scalar(_)
            | DynKind::Str
            | DynKind::Recursive { .. } => (None, None, none),
        };
        let fields = fields.iter().map(|f| &f.layout);
        first.into_iter().chain(second).chain(fields).chain(variants.iter().map(|v| &v.payload))
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

    /// Whether this type can be a map's key: an integer, `bool`, `char`, a
    /// string, a fieldless enum, or a tuple, struct, array, list or option of
    /// keys (see [`crate::MapKey`]).
    pub fn is_map_key(&self) -> bool {
        match &self.kind {
            DynKind::Scalar(s) => !matches!(s, Scalar::F32 | Scalar::F64),
            DynKind::Str => true,
            // A tuple of keys, or a `#[mmf(key)]` struct of them.
            DynKind::Struct(fields) => {
                !fields.is_empty() && fields.iter().all(|f| f.layout.is_map_key())
            }
            DynKind::List(element) | DynKind::Array { element, .. } | DynKind::Option(element) => {
                element.is_map_key()
            }
            // A `#[mmf(key)]` fieldless enum.
            DynKind::Enum { .. } => !self.has_data(),
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
            // A recursive type holds itself through a list, box or map.
            DynKind::Recursive { .. } => true,
        }
    }
}

fn dyn_fields(
    fields: &[FieldLayout],
    enclosing: &mut Vec<(&'static str, u32)>,
    next: &mut u32,
) -> Vec<DynField> {
    fields
        .iter()
        .map(|f| DynField {
            name: f.name.to_owned(),
            offset: f.offset as u64,
            layout: DynLayout::convert(f.layout, enclosing, next, true),
            notes: None,
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
            DynKind::Struct(_) | DynKind::Enum { .. } | DynKind::Recursive { .. } => {
                f.write_str(&self.name)
            }
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

/// Reads an embedded schema as [`DynLayout::decode`] does; also returns the
/// root type's earlier names, if its notes say. Notes that cannot be read
/// are left out, as if the schema had none: they lie outside the hashed
/// bytes, and a file's values do not depend on them. The defaults in them
/// are not validated (see `validate::check_defaults`).
pub(crate) fn decode_schema(schema: &[u8]) -> Result<(DynLayout, Vec<&str>)> {
    let tables = SchemaTables::new(schema)?;
    match tables.notes() {
        Ok(Some(notes)) => {
            let mut walk =
                Walk { notes: Some(&notes.fields), fallbacks: &notes.fallbacks, ..Walk::default() };
            let layout = tables.layout(0, &mut walk, false)?;
            Ok((layout, notes.root_renamed_from))
        }
        _ => Ok((tables.layout(0, &mut Walk::default(), false)?, Vec::new())),
    }
}

/// Where decoding is: how deep, the next node's number (as
/// [`DynLayout::node`] counts), and the structs and enums around (their
/// record and node), which a recursive reference may name.
#[derive(Default)]
struct Walk<'n> {
    depth: u32,
    next: u32,
    enclosing: Vec<(u32, u32)>,
    /// The notes of the field records, if the schema has them.
    notes: Option<&'n [FieldNote<'n>]>,
    /// The notes' `(type record, variant position)` of `other` variants.
    fallbacks: &'n [(u32, u32)],
}

impl Walk<'_> {
    /// Marks the variant the notes name as enum record `record`'s `other`,
    /// if it is one without fields (the only kind the derive accepts).
    fn mark_other(&self, record: u32, variants: &mut [DynVariant]) {
        let Ok(i) = self.fallbacks.binary_search_by_key(&record, |&(r, _)| r) else { return };
        if let Some(v) = variants.get_mut(self.fallbacks[i].1 as usize)
            && v.fields().is_empty()
        {
            v.other = true;
        }
    }

    /// The notes of field record `index`, of a field of layout `layout`,
    /// if the schema has notes.
    fn field_notes(&self, index: u32, layout: &DynLayout) -> Option<FieldNotes> {
        let note = self.notes?.get(index as usize)?;
        let default = note.default.map(|stored| {
            // An empty default is the stored form, zeroed (see `format::notes`).
            let len = if stored.is_empty() { layout.size as usize } else { stored.len() };
            let mut image = DefaultImage::zeroed(len);
            image.bytes_mut()[DefaultImage::ROOT..][..stored.len()].copy_from_slice(stored);
            image
        });
        let renamed_from = note.renamed_from.iter().map(|&n| n.to_owned()).collect();
        Some(FieldNotes { renamed_from, default })
    }
}

impl SchemaTables<'_> {
    /// Type record `index` as a layout; `payload` for an enum's variant,
    /// which no recursive reference may name.
    fn layout(&self, index: u32, walk: &mut Walk<'_>, payload: bool) -> Result<DynLayout> {
        let ty = self.type_record(index)?;
        let at = ty.at;
        if walk.depth > MAX_DEPTH {
            return Err(unreadable(at, format!("types nest deeper than {MAX_DEPTH} levels")));
        }
        let node = walk.next;
        walk.next += 1;
        walk.depth += 1;
        let named = !payload && matches!(ty.kind, TAG_STRUCT | TAG_ENUM | TAG_DATA_ENUM);
        if named {
            walk.enclosing.push((index, node));
        }
        let kind = self.kind(&ty, walk);
        if named {
            walk.enclosing.pop();
        }
        walk.depth -= 1;
        let layout =
            DynLayout { name: ty.name.to_owned(), size: ty.size, align: ty.align, kind: kind? };
        check_size(&layout, payload, at)?;
        Ok(layout)
    }

    fn kind(&self, ty: &TypeRecord<'_>, walk: &mut Walk<'_>) -> Result<DynKind> {
        let at = ty.at;
        let mut element =
            || -> Result<DynLayout> { self.layout(self.element(ty)?.index, walk, false) };
        Ok(match ty.kind {
            TAG_STR => DynKind::Str,
            TAG_LIST => {
                let element = element()?;
                if element.size == 0 {
                    return Err(unreadable(at, "a list of zero-sized elements"));
                }
                DynKind::List(Box::new(element))
            }
            TAG_OPTION => DynKind::Option(Box::new(element()?)),
            TAG_BOX => {
                let value = element()?;
                if value.size == 0 {
                    return Err(unreadable(at, "a box of a zero-sized value"));
                }
                DynKind::Box(Box::new(value))
            }
            TAG_ARRAY => DynKind::Array { element: Box::new(element()?), len: ty.count },
            TAG_SORTED_MAP | TAG_HASH_MAP => {
                let parts = self.fields(ty)?;
                let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
                if names != ["key"] && names != ["key", "value"] {
                    return Err(unreadable(at, "a map's parts are not `key` and `value`"));
                }
                let key = self.layout(parts[0].ty.index, walk, false)?;
                if !key.is_map_key() {
                    return Err(unreadable(at, format!("`{key}` cannot be a map's key")));
                }
                let value = match parts.get(1) {
                    Some(value) => Some(Box::new(self.layout(value.ty.index, walk, false)?)),
                    None => None,
                };
                if key.size == 0 || value.as_ref().is_some_and(|v| v.size == 0) {
                    return Err(unreadable(at, "a map of zero-sized keys or values"));
                }
                DynKind::Map { key: Box::new(key), value, hashed: ty.kind == TAG_HASH_MAP }
            }
            TAG_STRUCT => {
                let mut fields: Vec<DynField> = Vec::new();
                for field in self.fields(ty)? {
                    let layout = self.layout(field.ty.index, walk, false)?;
                    let notes = walk.field_notes(field.index, &layout);
                    fields.push(DynField {
                        name: field.name.to_owned(),
                        offset: field.offset,
                        layout,
                        notes,
                    });
                }
                if let Some(name) = repeated(fields.iter().map(|f| &f.name)) {
                    let problem = format!("`{}` has two fields named `{name}`", ty.name);
                    return Err(unreadable(at, problem));
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
                    for v in self.variants(ty)? {
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
                            other: false,
                        });
                    }
                } else {
                    for v in self.fields(ty)? {
                        let payload = self.layout(v.ty.index, walk, true)?;
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
                            other: false,
                        });
                    }
                }
                // Readers find variants by name and values' variants by
                // discriminant: each must name one variant.
                let names = repeated(variants.iter().map(|v| &v.name));
                let discriminants = repeated(variants.iter().map(|v| v.discriminant));
                if names.is_some() || discriminants.is_some() {
                    let problem =
                        format!("`{}` has two variants of one name or discriminant", ty.name);
                    return Err(unreadable(at, problem));
                }
                walk.mark_other(ty.index, &mut variants);
                DynKind::Enum { repr, variants }
            }
            TAG_RECURSIVE => {
                // It names a struct or enum around it, and is laid out as that one.
                let target = walk.enclosing.iter().find(|&&(record, _)| record == ty.child);
                let fits = match target {
                    Some(&(record, _)) => {
                        let t = self.type_record(record)?;
                        (t.name, t.size, t.align) == (ty.name, ty.size, ty.align)
                    }
                    None => false,
                };
                match target {
                    Some(&(_, node)) if fits => DynKind::Recursive { target: node },
                    _ => {
                        return Err(unreadable(
                            at,
                            format!(
                                "`{}` refers to no type around it of that name and layout",
                                ty.name
                            ),
                        ));
                    }
                }
            }
            tag => DynKind::Scalar(
                scalar_of_tag(tag)
                    .ok_or_else(|| unreadable(at, format!("kind {tag} is unknown")))?,
            ),
        })
    }
}

/// An item that comes twice, if one does.
fn repeated<T: Ord + Clone>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let mut seen = std::collections::BTreeSet::new();
    items.find(|item| !seen.insert(item.clone()))
}

/// Checks that a layout's size and alignment are those mmf gives its kind,
/// and that a struct's fields fit in it, in order.
fn check_size(layout: &DynLayout, payload: bool, at: usize) -> Result<()> {
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
        // Checked against the type it names.
        DynKind::Recursive { .. } => Some((size, align)),
    };
    let fits = match (&layout.kind, expected) {
        (_, Some(expected)) => (size, align) == expected,
        // As `repr(C)` lays them out: no room after the last field but
        // padding to the alignment (a variant's fields lie in the enum's
        // whole size), so that a schema cannot claim sizes its fields do
        // not take.
        (DynKind::Enum { repr, variants }, None) => {
            let (tag_size, tag_align) = scalar_size_align(*repr);
            let end = variants
                .iter()
                .flat_map(|v| v.fields())
                .map(|f| f.offset.saturating_add(f.layout.size))
                .fold(tag_size, u64::max);
            align.is_power_of_two()
                && align >= tag_align
                && size.is_multiple_of(align)
                && size >= tag_size
                && end.checked_next_multiple_of(align) == Some(size)
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
                && (payload || end.checked_next_multiple_of(align) == Some(size))
        }
        _ => false,
    };
    if align > MAX_ALIGN as u64 {
        Err(unreadable(
            at,
            format!(
                "type `{layout}`: alignment {align} is more than a stored type has ({MAX_ALIGN})"
            ),
        ))
    } else if fits {
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
