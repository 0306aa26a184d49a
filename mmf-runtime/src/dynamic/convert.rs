//! Rewriting a file in the layout of another schema, without either
//! program's Rust types: what `mmf upgrade FILE --to SCHEMA` does.
//!
//! The file is validated by its embedded schema and resolved against the
//! target schema as a program known by its schema is (fields by name or by
//! the earlier names either side's notes give, numbers widened, enums'
//! variants by name); fields the file lacks take the defaults the target's
//! notes hold. The new image is written as the typed writer writes it —
//! depth first in field order, blocks at the same alignments — so it is
//! byte for byte what [`upgrade`](crate::upgrade) writes for the program
//! whose schema it is.

use crate::access::deep::{TooDeep, deep};
use crate::access::file_ref::FileRef;
use crate::access::write::Writer;
use crate::dynamic::decode::{DynField, DynKind, DynLayout, decode_schema};
use crate::dynamic::resolve::{Program, find_field, resolve_against, root_mismatch};
use crate::dynamic::validate::{check_defaults, validate_by};
use crate::dynamic::value::{DynValue, ScalarValue};
use crate::format::error::{Error, Problem, Result};
use crate::format::header::Header;
use crate::format::layout::Scalar;
use crate::format::schema::hash_of;

/// The image of the file `data` (whose latest version `header` describes)
/// in the layout of `schema`, with `schema` embedded; `None` if the file
/// already has that layout.
///
/// # Errors
///
/// As validating by the embedded schema reports; [`Error::SchemaMismatch`]
/// naming why, by field path, if the target cannot hold the file's values;
/// [`Error::SchemaUnreadable`] if `schema` cannot be read.
///
/// # Safety
///
/// No byte of `data` may be written while this runs.
pub(crate) unsafe fn convert(
    data: FileRef<'_>,
    header: &Header,
    schema: &[u8],
) -> Result<Option<Vec<u8>>> {
    let (to, to_names) = decode_schema(schema)?;
    // Defaults are copied into the new image: each must be a value of its type.
    check_defaults(&to)?;
    let to_hash = hash_of(schema);
    // SAFETY: the caller's promise.
    let file_schema = unsafe { header.schema_bytes(data) }?.ok_or(Error::NoSchema)?;
    let (from, from_names) = decode_schema(file_schema)?;
    if header.schema_hash == to_hash {
        return Ok(None);
    }
    let resolved = match root_mismatch((&from.name, &from_names), (&to.name, &to_names)) {
        None => resolve_against(&from, Program { layout: &to, rust: None }),
        // Named in `CannotConvert`'s message already.
        Some(_) => Err(vec!["another root type, of which neither name is an earlier one".into()]),
    };
    let cannot =
        |reasons| Error::CannotConvert { from: from.name.clone(), to: to.name.clone(), reasons };
    let resolved = resolved.map_err(cannot)?;
    // Values of variants the target lacks are refused where they lie.
    // SAFETY: the caller's promise.
    unsafe { validate_by(data, header, &from, resolved.strict_enums) }?;
    let root = DynValue { layout: &from, root: &from, file: data, at: header.root_offset };
    let converter = Converter { to_root: &to, targets: recursion_targets(&to), cannot: &cannot };
    let (mut image, mut measured) = (Vec::new(), 0);
    for pass in 0..2 {
        let mut w = if pass == 0 { Writer::measure() } else { Writer::over(&mut image) };
        let root_offset = w.alloc(to.size, to.align);
        let raw = converter.value(root, &to, &mut w, &mut String::new())?;
        w.put_bytes(root_offset, &raw);
        let schema_offset = w.alloc(schema.len() as u64, 8);
        w.put_bytes(schema_offset, schema);
        let len = w.end();
        if pass == 0 {
            image = zeroed(len)?;
            measured = len;
        } else if len != measured || w.overflowed() {
            // Both passes allocate alike; this would be a bug, not bad input.
            return Err((converter.cannot)(vec!["the image outgrew its measurement".into()]));
        } else {
            let header = Header::new(to_hash, root_offset, len, schema_offset, schema.len() as u64);
            w.put(0, &header);
        }
    }
    Ok(Some(image))
}

/// `len` zero bytes, or [`Error::TooLarge`] if they cannot be had (a
/// hostile schema may claim sizes no memory holds).
fn zeroed(len: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let reserved = usize::try_from(len).ok().filter(|&n| n <= isize::MAX as usize);
    match reserved.map(|n| bytes.try_reserve_exact(n).map(|()| n)) {
        Some(Ok(n)) => {
            bytes.resize(n, 0);
            Ok(bytes)
        }
        _ => Err(Error::TooLarge { bytes: len }),
    }
}

fn recursion_targets(root: &DynLayout) -> Vec<usize> {
    root.recursion_targets().into_iter().map(|t| t as *const DynLayout as usize).collect()
}

/// Writes values of the file's layout as values of the target's.
struct Converter<'t> {
    to_root: &'t DynLayout,
    /// The target's types that contain themselves (by address): a value of
    /// one is a level of nesting, converted through [`deep`].
    targets: Vec<usize>,
    /// The error for a file that cannot be converted, for these reasons.
    cannot: &'t (dyn Fn(Vec<String>) -> Error + Sync),
}

impl Converter<'_> {
    /// The error for a value of the file that cannot be read.
    fn unreadable(&self, path: &str, from: DynValue<'_>) -> Error {
        self.refused(path, format!("the file's `{}` cannot be read", from.layout()))
    }

    /// Why a value at `path` cannot be converted.
    fn refused(&self, path: &str, what: String) -> Error {
        let path = if path.is_empty() { "the root" } else { path };
        (self.cannot)(vec![format!("{path}: {what}")])
    }

    /// Writes the blocks of `from` as a value of `to` and returns its
    /// stored form (`to.size` bytes); `path` names the value.
    fn value(
        &self,
        from: DynValue<'_>,
        to: &DynLayout,
        w: &mut Writer<'_>,
        path: &mut String,
    ) -> Result<Vec<u8>> {
        let to = match to.kind {
            DynKind::Recursive { target } => self.to_root.node(target).unwrap_or(to),
            _ => to,
        };
        if !self.targets.contains(&(to as *const DynLayout as usize)) {
            return self.value_of(from, to, w, path);
        }
        match deep(|| self.value_of(from, to, w, path)) {
            Ok(converted) => converted,
            Err(TooDeep::Nesting(levels)) => {
                Err(Error::invalid(Problem::NestedTooDeep { offset: from.offset(), levels }))
            }
            Err(TooDeep::Thread) => {
                Err(self.refused(path, "no thread could be started to go deeper".into()))
            }
        }
    }

    /// [`Converter::value`], once `to` names no type around it.
    fn value_of(
        &self,
        from: DynValue<'_>,
        to: &DynLayout,
        w: &mut Writer<'_>,
        path: &mut String,
    ) -> Result<Vec<u8>> {
        let mut raw = zeroed(to.size)?;
        match &to.kind {
            DynKind::Scalar(scalar) => {
                let value = from
                    .scalar()
                    .and_then(|v| v.exactly_as(*scalar))
                    .ok_or_else(|| self.unreadable(path, from))?;
                place(&mut raw, 0, &value.ne_bytes())?;
            }
            DynKind::Str => {
                let text = from.as_str().ok_or_else(|| self.unreadable(path, from))?;
                if !text.is_empty() {
                    let offset = w.alloc(text.len() as u64, 1);
                    w.put_bytes(offset, text.as_bytes());
                    put_pair(&mut raw, 0, offset, text.len() as u64)?;
                }
            }
            DynKind::List(element) => {
                let len = from.len().ok_or_else(|| self.unreadable(path, from))?;
                if len > 0 {
                    let offset = w.alloc(element.size.saturating_mul(len), element.align);
                    self.elements(from, element, offset, w, path)?;
                    put_pair(&mut raw, 0, offset, len)?;
                }
            }
            DynKind::Array { element, .. } => {
                for (i, item) in from.elements().enumerate() {
                    let at = i * element.size as usize;
                    let len = path.len();
                    path.push_str("[_]");
                    let item = self.value(item, element, w, path)?;
                    path.truncate(len);
                    place(&mut raw, at, &item)?;
                }
            }
            DynKind::Option(value) => {
                if let Some(inner) = from.option().ok_or_else(|| self.unreadable(path, from))? {
                    path.push('?');
                    let inner = self.value(inner, value, w, path)?;
                    path.pop();
                    raw[0] = 1;
                    let at = value.align as usize;
                    place(&mut raw, at, &inner)?;
                }
            }
            DynKind::Box(value) => {
                let inner = from.deref_box().ok_or_else(|| self.unreadable(path, from))?;
                let offset = w.alloc(value.size, value.align);
                let inner = self.value(inner, value, w, path)?;
                w.put_bytes(offset, &inner);
                place(&mut raw, 0, &offset.to_ne_bytes())?;
            }
            DynKind::Struct(fields) => self.fields(from, fields, &mut raw, w, path)?,
            DynKind::Enum { repr, variants } => {
                let (_, name) = from.variant().ok_or_else(|| self.unreadable(path, from))?;
                let name = name.ok_or_else(|| self.unreadable(path, from))?;
                // A variant the target lacks is written as its `other` one, if any.
                let by_name = variants.iter().find(|v| v.name == name);
                let Some(variant) = by_name.or_else(|| variants.iter().find(|v| v.other)) else {
                    let what =
                        format!("the file holds variant `{name}`, which `{}` lacks", to.name);
                    return Err(self.refused(path, what));
                };
                let d = variant.discriminant;
                let tag = match repr {
                    Scalar::U8 => ScalarValue::U8(d as u8).ne_bytes(),
                    Scalar::U16 => ScalarValue::U16(d as u16).ne_bytes(),
                    _ => ScalarValue::U32(d as u32).ne_bytes(),
                };
                place(&mut raw, 0, &tag)?;
                if let DynKind::Struct(fields) = &variant.payload.kind
                    && !fields.is_empty()
                {
                    let payload =
                        from.variant_value().ok_or_else(|| self.unreadable(path, from))?;
                    let len = path.len();
                    path.push_str(&format!("({name})"));
                    self.fields(payload, fields, &mut raw, w, path)?;
                    path.truncate(len);
                }
            }
            DynKind::Map { key, value, hashed } => {
                self.map(from, (key, value.as_deref(), *hashed), &mut raw, w, path)?;
            }
            DynKind::Recursive { .. } => return Err(self.unreadable(path, from)),
        }
        Ok(raw)
    }

    /// Writes the elements of list `from` into the block at `offset`.
    fn elements(
        &self,
        from: DynValue<'_>,
        element: &DynLayout,
        offset: u64,
        w: &mut Writer<'_>,
        path: &mut String,
    ) -> Result<()> {
        let len = path.len();
        path.push_str("[_]");
        for (i, item) in from.elements().enumerate() {
            let item = self.value(item, element, w, path)?;
            w.put_bytes(offset.saturating_add((i as u64).saturating_mul(element.size)), &item);
        }
        path.truncate(len);
        Ok(())
    }

    /// Writes the target's `fields` into `raw` (a struct's stored form, or
    /// an enum's with the variant's fields), each from the field of `from`
    /// that holds it, else from its default.
    fn fields(
        &self,
        from: DynValue<'_>,
        fields: &[DynField],
        raw: &mut [u8],
        w: &mut Writer<'_>,
        path: &mut String,
    ) -> Result<()> {
        let file_fields = match &from.layout().kind {
            DynKind::Struct(file_fields) => &file_fields[..],
            _ => &[],
        };
        for (i, field) in fields.iter().enumerate() {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&field.name);
            let source = match find_field(file_fields, fields, i, None) {
                Some(file_field) => from.field(&file_field.name),
                None => field.default_value(self.to_root),
            };
            let Some(source) = source else {
                let what = "the file lacks this field, and the schema's notes give no default";
                return Err(self.refused(path, what.into()));
            };
            let value = self.value(source, &field.layout, w, path)?;
            path.truncate(len);
            let at = field.offset as usize;
            place(raw, at, &value)?;
        }
        Ok(())
    }

    /// Writes a map or set: its slots as the file has them (its keys are
    /// the target's, so are their hashes and order), each occupied slot's
    /// key and value converted.
    fn map(
        &self,
        from: DynValue<'_>,
        (key, value, hashed): (&DynLayout, Option<&DynLayout>, bool),
        raw: &mut [u8],
        w: &mut Writer<'_>,
        path: &mut String,
    ) -> Result<()> {
        let (DynKind::Map { key: from_key, value: from_value, .. }, Some(parts)) = (
            &from.layout().kind,
            [0, 1, 2].map(|i| from.map_part(i)).into_iter().collect::<Option<Vec<_>>>(),
        ) else {
            return Err(self.unreadable(path, from));
        };
        let (keys, values, tags) = (parts[0], parts[1], parts[2]);
        let entries =
            u64::from_ne_bytes(from.bytes::<8>(48).ok_or_else(|| self.unreadable(path, from))?);
        let slots = keys.1;
        let occupied = |i: u64| !hashed || from.map_tag(tags, i).is_some_and(|t| t != 0);
        let mut write_slots = |to: &DynLayout,
                               from_layout: &DynLayout,
                               part: (u64, u64),
                               path: &mut String|
         -> Result<(u64, u64)> {
            if slots == 0 {
                return Ok((0, 0));
            }
            let offset = w.alloc(to.size.saturating_mul(slots), to.align);
            for i in (0..slots).filter(|&i| occupied(i)) {
                let slot = from
                    .map_slot(from_layout, part, i)
                    .ok_or_else(|| self.unreadable(path, from))?;
                let converted = self.value(slot, to, w, path)?;
                w.put_bytes(offset.saturating_add(i.saturating_mul(to.size)), &converted);
            }
            Ok((offset, slots))
        };
        let len = path.len();
        path.push_str(".key");
        let (k_offset, k_len) = write_slots(key, from_key, keys, path)?;
        path.truncate(len);
        put_pair(raw, 0, k_offset, k_len)?;
        if let (Some(value), Some(from_value)) = (value, from_value)
            && entries > 0
        {
            path.push_str("[_]");
            let (v_offset, v_len) = write_slots(value, from_value, values, path)?;
            path.truncate(len);
            put_pair(raw, 16, v_offset, v_len)?;
        }
        if hashed {
            let offset = w.alloc(tags.1.saturating_mul(2), 2);
            for i in 0..tags.1 {
                let tag = from.map_tag(tags, i).ok_or_else(|| self.unreadable(path, from))?;
                w.put_bytes(offset.saturating_add(2 * i), &tag.to_ne_bytes());
            }
            put_pair(raw, 32, offset, tags.1)?;
        }
        place(raw, 48, &entries.to_ne_bytes())?;
        Ok(())
    }
}

/// Puts an offset and a length (a `RawStr`, `RawVec` or part of a `RawMap`) at `at`.
fn put_pair(raw: &mut [u8], at: usize, offset: u64, len: u64) -> Result<()> {
    place(raw, at, &offset.to_ne_bytes())?;
    place(raw, at + 8, &len.to_ne_bytes())
}

/// Copies `bytes` into the stored form `raw` at `at`; `None` if they do not
/// fit there.
pub(crate) fn copy_at(raw: &mut [u8], at: usize, bytes: &[u8]) -> Option<()> {
    let place = raw.get_mut(at..at.checked_add(bytes.len())?)?;
    place.copy_from_slice(bytes);
    Some(())
}

/// [`copy_at`]; an error if the bytes do not fit (the target schema's sizes
/// disagree, which decoding refuses).
fn place(raw: &mut [u8], at: usize, bytes: &[u8]) -> Result<()> {
    match copy_at(raw, at, bytes) {
        Some(()) => Ok(()),
        None => Err(Error::SchemaUnreadable {
            at: 0,
            problem: format!(
                "a value of {} bytes does not fit at offset {at} of a stored form of {}",
                bytes.len(),
                raw.len()
            ),
        }),
    }
}
