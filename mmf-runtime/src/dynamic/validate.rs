//! Validation by the embedded schema: the rules of a typed open, applied to
//! a layout read from the file.

use crate::access::file_ref::FileRef;
use crate::access::validate::Validator;
use crate::dynamic::decode::{DynKind, DynLayout};
use crate::dynamic::value::DynValue;
use crate::format::error::{Error, PathSegment, Problem, Result};
use crate::format::header::Header;
use crate::format::layout::Scalar;

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
        DynKind::Map { key, value: values, hashed } => {
            validate_map(value, key, values.as_deref(), *hashed, v)
        }
        DynKind::Box(inner) => {
            let offset = u64::from_ne_bytes(value.bytes(0).ok_or_else(|| out_of_bounds(value))?);
            v.block_bytes(offset, 1, inner.size, inner.align)?;
            let target = value.deref_box().ok_or_else(|| out_of_bounds(value))?;
            if inner.checked() { validate(target, v) } else { Ok(()) }
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
            (_, Some(name)) => match value.variant_value() {
                Some(payload) if payload.layout.checked() => validate(payload, v)
                    .map_err(|e| e.within(PathSegment::Field(name.to_owned().into()))),
                _ => Ok(()),
            },
            (discriminant, None) => Err(Error::invalid(Problem::UnknownDiscriminant {
                offset: at,
                value: discriminant,
                enum_name: value.layout.name.clone().into(),
            })),
        },
    }
}

/// Validates a map or set as the typed validator does (`access/map.rs`).
fn validate_map(
    map: DynValue<'_>,
    key: &DynLayout,
    value: Option<&DynLayout>,
    hashed: bool,
    v: &mut Validator<'_>,
) -> Result<()> {
    let invalid = |reason| Error::invalid(Problem::InvalidMap { offset: map.at, reason });
    let part = |i| map.map_part(i).ok_or_else(|| out_of_bounds(map));
    let (keys, values, hashes, buckets) = (part(0)?, part(1)?, part(2)?, part(3)?);
    v.block_bytes(keys.0, keys.1, key.size, key.align)?;
    let entries: Vec<_> = map.entries().collect();
    for (i, (k, _)) in entries.iter().enumerate() {
        validate(*k, v).map_err(|e| {
            e.within(PathSegment::Index(i as u64)).within(PathSegment::Field("keys".into()))
        })?;
    }
    let n = keys.1;
    match value {
        Some(layout) => {
            if values.1 != n {
                return Err(invalid("it has not one value per key"));
            }
            v.block_bytes(values.0, values.1, layout.size, layout.align)?;
            if layout.checked() {
                for (i, (_, value)) in entries.iter().enumerate() {
                    let value = value.ok_or_else(|| out_of_bounds(map))?;
                    validate(value, v).map_err(|e| {
                        e.within(PathSegment::Index(i as u64))
                            .within(PathSegment::Field("values".into()))
                    })?;
                }
            }
        }
        None if values.1 != 0 => return Err(invalid("a set holds values")),
        None => {}
    }
    let less = |a: &DynValue<'_>, b: &DynValue<'_>| a.key_cmp(b) == Some(core::cmp::Ordering::Less);
    if !hashed {
        if hashes.1 != 0 || buckets.1 != 0 {
            return Err(invalid("a map ordered by key has a hash index"));
        }
        if entries.windows(2).any(|w| !less(&w[0].0, &w[1].0)) {
            return Err(invalid("its keys are out of order, or one is there twice"));
        }
        return Ok(());
    }
    let count = (n as usize).checked_next_power_of_two().unwrap_or(0).max(1) as u64;
    if hashes.1 != n || buckets.1 != count + 1 {
        return Err(invalid("its hash index does not fit its entries"));
    }
    v.block_bytes(hashes.0, hashes.1, 8, 8)?;
    v.block_bytes(buckets.0, buckets.1, 4, 4)?;
    let word = |at: u64, size: usize| -> Option<u64> {
        match size {
            8 => Some(u64::from_ne_bytes(map.file_bytes(at)?)),
            _ => Some(u64::from(u32::from_ne_bytes(map.file_bytes(at)?))),
        }
    };
    let mut expected = vec![0u64; count as usize + 1];
    let mut previous: Option<(u64, DynValue<'_>)> = None;
    for (i, (k, _)) in entries.iter().enumerate() {
        let hash = word(hashes.0 + 8 * i as u64, 8).ok_or_else(|| out_of_bounds(map))?;
        if Some(hash) != k.key_hash() {
            return Err(invalid("a key's stored hash is not its hash"));
        }
        let ordered = previous.is_none_or(|(h, p)| h < hash || (h == hash && less(&p, k)));
        if !ordered {
            return Err(invalid("its entries are out of order, or a key is there twice"));
        }
        previous = Some((hash, *k));
        expected[crate::access::map::bucket_of(hash, count as usize) + 1] += 1;
    }
    for i in 0..count as usize {
        expected[i + 1] += expected[i];
    }
    for (i, want) in expected.iter().enumerate() {
        if word(buckets.0 + 4 * i as u64, 4) != Some(*want) {
            return Err(invalid("its bucket index is not the one its hashes give"));
        }
    }
    Ok(())
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
pub(crate) unsafe fn check_dyn(file: FileRef<'_>, header: Header) -> Result<(Header, DynLayout)> {
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
