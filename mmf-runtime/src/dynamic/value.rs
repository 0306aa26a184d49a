//! [`DynValue`]: a cursor over a value read by the embedded schema, by field
//! name, index or path; every read checks bounds again.

use std::fmt;

use crate::access::file_ref::FileRef;
use crate::dynamic::decode::{DynField, DynKind, DynLayout};
use crate::dynamic::names::ProgramPath;
use crate::format::error::{Error, Result};
use crate::format::layout::{DefaultImage, Layout, Scalar};

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
    pub(crate) layout: &'a DynLayout,
    /// The whole tree, where recursive references point.
    pub(crate) root: &'a DynLayout,
    pub(crate) file: FileRef<'a>,
    pub(crate) at: u64,
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

impl ScalarValue {
    /// The same value as a `to`, if `to` holds it exactly: itself, an
    /// integer of any width or sign that holds it, an `f32` as an `f64`,
    /// an `f64` as an `f32` that is the same number.
    pub(crate) fn exactly_as(self, to: Scalar) -> Option<ScalarValue> {
        use ScalarValue as V;
        let (unsigned, signed, float): (Option<u128>, Option<i128>, Option<f64>) = match self {
            V::U8(v) => (Some(v.into()), Some(v.into()), None),
            V::U16(v) => (Some(v.into()), Some(v.into()), None),
            V::U32(v) => (Some(v.into()), Some(v.into()), None),
            V::U64(v) => (Some(v.into()), Some(v.into()), None),
            V::U128(v) => (Some(v), v.try_into().ok(), None),
            V::I8(v) => (v.try_into().ok(), Some(v.into()), None),
            V::I16(v) => (v.try_into().ok(), Some(v.into()), None),
            V::I32(v) => (v.try_into().ok(), Some(v.into()), None),
            V::I64(v) => (v.try_into().ok(), Some(v.into()), None),
            V::I128(v) => (v.try_into().ok(), Some(v), None),
            V::F32(v) => (None, None, Some(v.into())),
            V::F64(v) => (None, None, Some(v)),
            V::Bool(_) | V::Char(_) => (None, None, None),
        };
        Some(match (self, to) {
            (V::F32(_), Scalar::F32) | (V::Bool(_), Scalar::Bool) | (V::Char(_), Scalar::Char) => {
                self
            }
            (_, Scalar::U8) => V::U8(unsigned?.try_into().ok()?),
            (_, Scalar::U16) => V::U16(unsigned?.try_into().ok()?),
            (_, Scalar::U32) => V::U32(unsigned?.try_into().ok()?),
            (_, Scalar::U64) => V::U64(unsigned?.try_into().ok()?),
            (_, Scalar::U128) => V::U128(unsigned?),
            (_, Scalar::I8) => V::I8(signed?.try_into().ok()?),
            (_, Scalar::I16) => V::I16(signed?.try_into().ok()?),
            (_, Scalar::I32) => V::I32(signed?.try_into().ok()?),
            (_, Scalar::I64) => V::I64(signed?.try_into().ok()?),
            (_, Scalar::I128) => V::I128(signed?),
            (_, Scalar::F64) => V::F64(float?),
            (_, Scalar::F32) => {
                let float = float?;
                let narrow = float as f32;
                // NaN stays NaN; any other number must survive the trip.
                (f64::from(narrow) == float || float.is_nan()).then_some(V::F32(narrow))?
            }
            (_, Scalar::Bool | Scalar::Char) => return None,
        })
    }

    /// The stored form.
    pub(crate) fn ne_bytes(self) -> Vec<u8> {
        use ScalarValue as V;
        match self {
            V::U8(v) => v.to_ne_bytes().to_vec(),
            V::U16(v) => v.to_ne_bytes().to_vec(),
            V::U32(v) => v.to_ne_bytes().to_vec(),
            V::U64(v) => v.to_ne_bytes().to_vec(),
            V::U128(v) => v.to_ne_bytes().to_vec(),
            V::I8(v) => v.to_ne_bytes().to_vec(),
            V::I16(v) => v.to_ne_bytes().to_vec(),
            V::I32(v) => v.to_ne_bytes().to_vec(),
            V::I64(v) => v.to_ne_bytes().to_vec(),
            V::I128(v) => v.to_ne_bytes().to_vec(),
            V::F32(v) => v.to_ne_bytes().to_vec(),
            V::F64(v) => v.to_ne_bytes().to_vec(),
            V::Bool(v) => vec![u8::from(v)],
            V::Char(v) => u32::from(v).to_ne_bytes().to_vec(),
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
    pub(crate) fn bytes<const N: usize>(&self, offset: u64) -> Option<[u8; N]> {
        // SAFETY: a `DynValue` is made only from a `FileRef` whose bytes are not
        // written while `'a` lasts (`DynImage`, `DynFile`).
        let bytes = unsafe { self.file.block::<u8>(self.at.checked_add(offset)?, N as u64) }?;
        bytes.try_into().ok()
    }

    /// `N` bytes at an absolute offset in the file, if they lie in it.
    pub(crate) fn file_bytes<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        // SAFETY: as in `bytes`.
        let bytes = unsafe { self.file.block::<u8>(at, N as u64) }?;
        bytes.try_into().ok()
    }

    /// The `(offset, len)` pair of a string or list.
    pub(crate) fn block(&self) -> Option<(u64, u64)> {
        let offset = u64::from_ne_bytes(self.bytes(0)?);
        let len = u64::from_ne_bytes(self.bytes(8)?);
        Some((offset, len))
    }

    fn at(&self, layout: &'a DynLayout, at: u64) -> DynValue<'a> {
        // A recursive type inside itself reads as the type it names.
        let layout = match layout.kind {
            DynKind::Recursive { target } => self.root.node(target).unwrap_or(layout),
            _ => layout,
        };
        DynValue { layout, root: self.root, file: self.file, at }
    }

    /// A struct's field by name; for an enum, its variant by name if it is
    /// the one the value holds (see [`variant_value`](Self::variant_value)).
    pub fn field(&self, name: &str) -> Option<DynValue<'a>> {
        if let DynKind::Enum { .. } = self.layout.kind {
            return self.variant_value().filter(|v| v.layout.name == name);
        }
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

    /// The number of elements of a list or array, of entries of a map or
    /// set, or of bytes of a string.
    pub fn len(&self) -> Option<u64> {
        match &self.layout.kind {
            DynKind::List(_) | DynKind::Str => self.block().map(|(_, len)| len),
            DynKind::Map { .. } => self.bytes(48).map(u64::from_ne_bytes),
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

    /// A map's or set's list `part` (0 keys, 1 values, 2 tags):
    /// its offset and length.
    pub(crate) fn map_part(&self, part: u64) -> Option<(u64, u64)> {
        let offset = u64::from_ne_bytes(self.bytes(16 * part)?);
        let len = u64::from_ne_bytes(self.bytes(16 * part + 8)?);
        Some((offset, len))
    }

    /// Slot `i` of a map's list `part` (as [`map_part`](Self::map_part)
    /// gives it), read as `layout`.
    pub(crate) fn map_slot(
        &self,
        layout: &'a DynLayout,
        part: (u64, u64),
        i: u64,
    ) -> Option<DynValue<'a>> {
        Some(self.at(layout, part.0.checked_add(i.checked_mul(layout.size)?)?))
    }

    /// Slot `i`'s tag in a hash map's list of tags `tags` (0: empty).
    pub(crate) fn map_tag(&self, tags: (u64, u64), i: u64) -> Option<u16> {
        self.file_bytes::<2>(tags.0.checked_add(i.checked_mul(2)?)?).map(u16::from_ne_bytes)
    }

    /// The entries of a map (key, `Some(value)`) or set (key, `None`), in
    /// stored order; none for other values.
    pub fn entries(&self) -> impl Iterator<Item = (DynValue<'a>, Option<DynValue<'a>>)> + 'a {
        let this = *self;
        let (key, value, hashed) = match &self.layout.kind {
            DynKind::Map { key, value, hashed } => (Some(&**key), value.as_deref(), *hashed),
            _ => (None, None, false),
        };
        let [keys, values, tags] = [0, 1, 2].map(|i| self.map_part(i).unwrap_or_default());
        let slots = if key.is_some() { keys.1 } else { 0 };
        (0..slots).filter_map(move |i| {
            if hashed && this.map_tag(tags, i)? == 0 {
                return None; // an empty slot
            }
            let k = this.map_slot(key?, keys, i)?;
            let v = match value {
                Some(value) => Some(this.map_slot(value, values, i)?),
                None => None,
            };
            Some((k, v))
        })
    }

    /// This value as a map key: a string or a scalar other than a float.
    fn as_key(&self) -> Option<Key<'a>> {
        if !self.layout.is_map_key() {
            return None;
        }
        match &self.layout.kind {
            DynKind::Struct(_) => {
                let fields = self.fields().map(|(_, field)| field.as_key());
                return fields.collect::<Option<_>>().map(Key::Sequence);
            }
            DynKind::List(_) | DynKind::Array { .. } => {
                return self
                    .elements()
                    .map(|e| e.as_key())
                    .collect::<Option<_>>()
                    .map(Key::Sequence);
            }
            DynKind::Option(_) => {
                let inner = match self.option()? {
                    Some(value) => vec![value.as_key()?],
                    None => Vec::new(),
                };
                return Some(Key::Sequence(inner));
            }
            DynKind::Enum { repr, .. } => {
                let (discriminant, _) = self.variant()?;
                return discriminant_key(*repr, discriminant);
            }
            _ => {}
        }
        match self.scalar() {
            Some(ScalarValue::F32(_) | ScalarValue::F64(_)) => None,
            Some(scalar) => Some(Key::Scalar(scalar)),
            None => self.as_str().map(Key::Str),
        }
    }

    /// A map key's hash ([`crate::map_key_hash`] of its canonical bytes).
    pub(crate) fn key_hash(&self) -> Option<u64> {
        self.as_key().map(|key| key.hash())
    }

    /// How two map keys of the same type order, as their Rust types do.
    pub(crate) fn key_cmp(&self, other: &DynValue<'_>) -> Option<core::cmp::Ordering> {
        self.as_key()?.cmp(&other.as_key()?)
    }

    /// The value of `key` in a map (the key itself in a set), the key written
    /// as text: a string key as it is, a number in decimal, `true`/`false`, a
    /// `char` as itself. `None` if this is not a map or has no such key.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use mmf_runtime::{DynImage, ScalarValue};
    ///
    /// let bytes = mmf_runtime::to_bytes(&HashMap::from([("Rigi".to_owned(), 1798u32)]));
    /// let image = DynImage::new(&bytes)?;
    /// assert_eq!(image.root().map_get("Rigi").and_then(|v| v.scalar()), Some(ScalarValue::U32(1798)));
    /// assert!(image.root().map_get("Säntis").is_none());
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn map_get(&self, key: &str) -> Option<DynValue<'a>> {
        use crate::access::map::{home_of, home_slots};
        use core::cmp::Ordering;
        let DynKind::Map { key: key_layout, value, hashed } = &self.layout.kind else {
            return None;
        };
        let query = Key::parse(key_layout, key)?;
        let len = self.len()?;
        let [keys, values, tags] = [0, 1, 2].map(|i| self.map_part(i).unwrap_or_default());
        let key_at = |i: u64| self.map_slot(key_layout, keys, i);
        // Entries are sorted (by hash then key in a hash table, where an
        // empty slot counts as greater): bisect from the key's home slot.
        let hash = query.hash();
        let (mut lo, mut hi) = match hashed {
            true if len == 0 => return None,
            true => (home_of(hash, home_slots(len)), keys.1),
            false => (0, keys.1),
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let order = if *hashed && self.map_tag(tags, mid)? == 0 {
                Ordering::Greater
            } else {
                let stored = key_at(mid)?.as_key()?;
                let by_hash = if *hashed { stored.hash().cmp(&hash) } else { Ordering::Equal };
                by_hash.then(stored.cmp(&query)?)
            };
            match order {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => {
                    return match value {
                        Some(value) => self.map_slot(value, values, mid),
                        None => key_at(mid),
                    };
                }
            }
        }
        None
    }

    /// The value a box holds; `None` if this is not a box. (Paths step
    /// through boxes by themselves: `head.next?.value`.)
    pub fn deref_box(&self) -> Option<DynValue<'a>> {
        let DynKind::Box(value) = &self.layout.kind else { return None };
        let offset = u64::from_ne_bytes(self.bytes(0)?);
        Some(self.at(value, offset))
    }

    /// This value, or the value it holds if it is a box (through any number of boxes).
    fn unboxed(&self) -> DynValue<'a> {
        let mut value = *self;
        while let Some(inner) = value.deref_box() {
            value = inner;
        }
        value
    }

    /// A string's text; `None` if this is not a string, or the text is not
    /// where it should be (possible only if the file changed after validation).
    pub fn as_str(&self) -> Option<&'a str> {
        if self.layout.kind != DynKind::Str {
            return None;
        }
        let (offset, len) = self.block()?;
        if len == 0 {
            return Some(""); // an empty string may point anywhere
        }
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

    /// The fields of the variant an enum holds, as a struct named after the
    /// variant (no fields for a unit variant); `None` if this is not an enum
    /// or its discriminant is unknown.
    ///
    /// ```
    /// use mmf_runtime::{DynImage, ScalarValue};
    ///
    /// let bytes = mmf_runtime::to_bytes(&Some(3u16));
    /// let image = DynImage::new(&bytes)?;
    /// assert!(image.root().variant_value().is_none()); // an option, not an enum
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn variant_value(&self) -> Option<DynValue<'a>> {
        let DynKind::Enum { repr, variants } = &self.layout.kind else { return None };
        let discriminant = discriminant(self, *repr)?;
        let variant = variants.iter().find(|v| v.discriminant == discriminant)?;
        Some(self.at(&variant.payload, self.at))
    }

    /// The value at `path` from this one: field names joined by `.`, indices in
    /// brackets, `?` for an option's value, an enum's variant by name, a map's
    /// key in brackets (quoted for a string: `["Rigi"]`) — `hikes[3].gps_track[0].z`,
    /// `shapes[0].Circle.r`, `visits["Rigi"]`, `hikes_by_year[2024].date`.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchPath`] naming the part of the path that was found and the
    /// step that was not.
    pub fn path(&self, path: &str) -> Result<DynValue<'a>> {
        self.path_as(path, None)
    }

    /// [`path`](Self::path), naming fields as the program whose layout of
    /// this value is `program` does: a field it renamed since the file was
    /// written (or the file's program renamed since) by the program's name.
    /// A field the program does not have there is the file's of that name.
    pub(crate) fn path_as(
        &self,
        path: &str,
        program: Option<&'static Layout>,
    ) -> Result<DynValue<'a>> {
        let mut value = *self;
        let mut program = ProgramPath::new(program);
        for step in PathStep::parse(path)? {
            value = value.unboxed();
            if !matches!(step.kind, StepKind::Field(_)) {
                program.inner();
            }
            let next = match step.kind {
                StepKind::Field(name) => value.field(program.field(name, value.layout)),
                StepKind::Index(index) if matches!(value.layout.kind, DynKind::Map { .. }) => {
                    value.map_get(&index.to_string())
                }
                StepKind::Index(index) => value.get(index),
                StepKind::Key(key) => value.map_get(key),
                StepKind::Some => value.option().flatten(),
            };
            value = next.ok_or_else(|| step.missing())?;
        }
        Ok(value.unboxed())
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
    /// A map's key, written in brackets and quotes (`["Rigi"]`), or in
    /// brackets if it is not a list index (`[-44]`, `[(2024, "Rigi")]`).
    Key(&'p str),
    Some,
}

impl<'p> PathStep<'p> {
    /// Splits `path` into steps: field names joined by `.`, `[index]`,
    /// `["key"]`, `?`.
    pub(crate) fn parse(path: &'p str) -> Result<Vec<PathStep<'p>>> {
        let mut steps = Vec::new();
        let mut rest = path;
        while !rest.is_empty() {
            let found = &path[..path.len() - rest.len()];
            let step = |kind, text| PathStep { kind, path, found, text };
            if let Some(quoted) = rest.strip_prefix("[\"") {
                let Some(end) = quoted.find("\"]") else {
                    return Err(step(StepKind::Some, rest).missing());
                };
                steps.push(step(StepKind::Key(&quoted[..end]), &rest[..end + 4]));
                rest = &quoted[end + 2..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let Some(end) = after.find(']') else {
                    return Err(step(StepKind::Some, rest).missing());
                };
                let text = &rest[..end + 2];
                // An index, or a map's key as text: `[-44]`, `[true]`, `[(2024, "Rigi")]`.
                let inside = after[..end].trim();
                let kind = match inside.parse() {
                    Ok(index) => StepKind::Index(index),
                    Err(_) => StepKind::Key(inside),
                };
                steps.push(step(kind, text));
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

/// A fieldless enum's key: its discriminant, as the integer it is stored as.
fn discriminant_key(repr: Scalar, discriminant: u64) -> Option<Key<'static>> {
    Some(Key::Scalar(match repr {
        Scalar::U8 => ScalarValue::U8(u8::try_from(discriminant).ok()?),
        Scalar::U16 => ScalarValue::U16(u16::try_from(discriminant).ok()?),
        _ => ScalarValue::U32(u32::try_from(discriminant).ok()?),
    }))
}

/// `a, "b, c", d` split at the commas outside quotes.
fn split_elements(text: &str) -> Option<Vec<&str>> {
    let (mut parts, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = &text[start..];
    if !last.trim().is_empty() {
        parts.push(last);
    }
    (!quoted).then_some(parts)
}

/// A map key read by schema, or parsed from text for a lookup.
#[derive(Clone)]
enum Key<'k> {
    Str(&'k str),
    Scalar(ScalarValue),
    /// A tuple, struct, array or list of keys, in order; an option as none
    /// or one.
    Sequence(Vec<Key<'k>>),
}

impl<'k> Key<'k> {
    /// `text` as a key of `layout`'s type.
    fn parse(layout: &DynLayout, text: &'k str) -> Option<Key<'k>> {
        let scalar = match &layout.kind {
            DynKind::Str => return Some(Key::Str(text)),
            DynKind::Scalar(s) => *s,
            DynKind::Enum { variants, repr } if !layout.has_data() => {
                // A variant by name.
                let variant = variants.iter().find(|v| v.name == text.trim())?;
                return discriminant_key(*repr, variant.discriminant);
            }
            DynKind::Struct(fields) if layout.is_map_key() => {
                // `(1, "Rigi")`: the elements, strings quoted.
                let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
                let parts = split_elements(inner)?;
                if parts.len() != fields.len() {
                    return None;
                }
                let keys = fields.iter().zip(parts).map(|(field, part)| {
                    let part = part.trim();
                    match field.layout.kind {
                        DynKind::Str => Some(Key::Str(part.strip_prefix('"')?.strip_suffix('"')?)),
                        _ => Key::parse(&field.layout, part),
                    }
                });
                return keys.collect::<Option<Vec<_>>>().map(Key::Sequence);
            }
            _ => return None,
        };
        let t = text.trim();
        Some(Key::Scalar(match scalar {
            Scalar::U8 => ScalarValue::U8(t.parse().ok()?),
            Scalar::U16 => ScalarValue::U16(t.parse().ok()?),
            Scalar::U32 => ScalarValue::U32(t.parse().ok()?),
            Scalar::U64 => ScalarValue::U64(t.parse().ok()?),
            Scalar::U128 => ScalarValue::U128(t.parse().ok()?),
            Scalar::I8 => ScalarValue::I8(t.parse().ok()?),
            Scalar::I16 => ScalarValue::I16(t.parse().ok()?),
            Scalar::I32 => ScalarValue::I32(t.parse().ok()?),
            Scalar::I64 => ScalarValue::I64(t.parse().ok()?),
            Scalar::I128 => ScalarValue::I128(t.parse().ok()?),
            Scalar::Bool => ScalarValue::Bool(t.parse().ok()?),
            Scalar::Char => ScalarValue::Char(text.parse().ok()?),
            Scalar::F32 | Scalar::F64 => return None,
        }))
    }

    /// [`crate::map_key_hash`] of the key's canonical bytes.
    fn hash(&self) -> u64 {
        use crate::format::raw::map_key_hash as h;
        match *self {
            Key::Sequence(ref keys) => {
                crate::access::map::tuple_key_hash(keys.iter().map(Key::hash))
            }
            Key::Str(s) => h(s.as_bytes()),
            Key::Scalar(ScalarValue::U8(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::U16(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::U32(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::U64(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::U128(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::I8(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::I16(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::I32(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::I64(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::I128(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::Bool(v)) => h(&[u8::from(v)]),
            Key::Scalar(ScalarValue::Char(v)) => h(&u32::from(v).to_le_bytes()),
            Key::Scalar(ScalarValue::F32(v)) => h(&v.to_le_bytes()),
            Key::Scalar(ScalarValue::F64(v)) => h(&v.to_le_bytes()),
        }
    }

    /// How two keys of the same type order, as their Rust types do.
    fn cmp(&self, other: &Key<'_>) -> Option<core::cmp::Ordering> {
        use ScalarValue as S;
        Some(match (self, other) {
            // As Rust orders tuples, slices and options: element by element,
            // then the shorter first.
            (Key::Sequence(a), Key::Sequence(b)) => {
                for (a, b) in a.iter().zip(b) {
                    match a.cmp(b)? {
                        core::cmp::Ordering::Equal => {}
                        order => return Some(order),
                    }
                }
                a.len().cmp(&b.len())
            }
            (Key::Str(a), Key::Str(b)) => a.cmp(b),
            (Key::Scalar(S::U8(a)), Key::Scalar(S::U8(b))) => a.cmp(b),
            (Key::Scalar(S::U16(a)), Key::Scalar(S::U16(b))) => a.cmp(b),
            (Key::Scalar(S::U32(a)), Key::Scalar(S::U32(b))) => a.cmp(b),
            (Key::Scalar(S::U64(a)), Key::Scalar(S::U64(b))) => a.cmp(b),
            (Key::Scalar(S::U128(a)), Key::Scalar(S::U128(b))) => a.cmp(b),
            (Key::Scalar(S::I8(a)), Key::Scalar(S::I8(b))) => a.cmp(b),
            (Key::Scalar(S::I16(a)), Key::Scalar(S::I16(b))) => a.cmp(b),
            (Key::Scalar(S::I32(a)), Key::Scalar(S::I32(b))) => a.cmp(b),
            (Key::Scalar(S::I64(a)), Key::Scalar(S::I64(b))) => a.cmp(b),
            (Key::Scalar(S::I128(a)), Key::Scalar(S::I128(b))) => a.cmp(b),
            (Key::Scalar(S::Bool(a)), Key::Scalar(S::Bool(b))) => a.cmp(b),
            (Key::Scalar(S::Char(a)), Key::Scalar(S::Char(b))) => a.cmp(b),
            _ => return None,
        })
    }
}

impl DynField {
    /// The value a file without this field reads as (its
    /// `#[mmf(default = …)]`, else its type's `Default`), if the schema's
    /// notes say; `root` is the tree the field belongs to. See [`FieldNotes`](crate::FieldNotes).
    pub fn default_value<'a>(&'a self, root: &'a DynLayout) -> Option<DynValue<'a>> {
        let image = self.notes.as_ref()?.default.as_ref()?;
        Some(DynValue {
            layout: &self.layout,
            root,
            file: FileRef::new(image.bytes()),
            at: DefaultImage::ROOT as u64,
        })
    }
}
