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
