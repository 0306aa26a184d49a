//! `mmf dump`: a value as text or JSON, written as it is read.

use std::io::{self, Write};

use mmf_runtime::{DynKind, DynValue, ScalarValue};

/// Writes the first `limit` of `len` items (a list's elements, or a map's
/// `key: value` entries) one per line between `brackets`, then `… N more`.
fn write_items<'a>(
    items: impl Iterator<Item = (DynValue<'a>, Option<DynValue<'a>>)>,
    len: u64,
    [open, close]: [&str; 2],
    limit: u64,
    depth: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    if len == 0 {
        return write!(out, "{open}{close}");
    }
    writeln!(out, "{open}")?;
    for (item, value) in items.take(usize::try_from(limit).unwrap_or(usize::MAX)) {
        indent(out, depth + 1)?;
        write_text(item, limit, depth + 1, out)?;
        if let Some(value) = value {
            out.write_all(b": ")?;
            write_text(value, limit, depth + 1, out)?;
        }
        out.write_all(b",\n")?;
    }
    if len > limit {
        indent(out, depth + 1)?;
        writeln!(out, "… {} more", len - limit)?;
    }
    indent(out, depth)?;
    write!(out, "{close}")
}

/// Whether a struct's fields are named by their index: a tuple struct or variant.
fn is_tuple(value: DynValue<'_>) -> bool {
    let mut fields = value.fields().peekable();
    fields.peek().is_some() && fields.enumerate().all(|(i, (name, _))| name == i.to_string())
}

/// Writes `value` as indented text: `Name { field: value, … }`, `[…]`,
/// `Some(…)`, strings and chars quoted as Rust would.
pub fn text(value: DynValue<'_>, limit: u64, out: &mut impl Write) -> io::Result<()> {
    write_text(value, limit, 0, out)
}

/// How deep printing goes into a value: a recursive type's values may nest
/// far deeper than a person reads (or than the printer's stack holds).
const MAX_DEPTH: usize = 200;

fn indent(out: &mut impl Write, depth: usize) -> io::Result<()> {
    write!(out, "{:width$}", "", width = depth * 2)
}

fn write_text(
    value: DynValue<'_>,
    limit: u64,
    depth: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return write!(out, "… nested deeper than {MAX_DEPTH} levels");
    }
    let layout = value.layout();
    match &layout.kind {
        // A reference to no type (readers resolve the others).
        DynKind::Recursive { .. } => out.write_all(b"?"),
        DynKind::Scalar(_) => write_scalar(value.scalar(), out, false),
        DynKind::Str => write!(out, "{:?}", value.as_str().unwrap_or_default()),
        DynKind::Enum { .. } => match value.variant() {
            Some((_, Some(name))) => match value.variant_value() {
                Some(payload) if payload.fields().next().is_some() => {
                    write_text(payload, limit, depth, out)
                }
                _ => out.write_all(name.as_bytes()),
            },
            Some((discriminant, None)) => write!(out, "{}({discriminant})", layout.name),
            None => out.write_all(b"?"),
        },
        DynKind::Box(_) => match value.deref_box() {
            Some(inner) => write_text(inner, limit, depth, out),
            None => out.write_all(b"?"),
        },
        DynKind::Map { .. } => {
            let len = value.len().unwrap_or(0);
            write_items(value.entries(), len, ["{", "}"], limit, depth, out)
        }
        DynKind::Option(_) => match value.option().flatten() {
            None => out.write_all(b"None"),
            Some(inner) => {
                out.write_all(b"Some(")?;
                write_text(inner, limit, depth, out)?;
                out.write_all(b")")
            }
        },
        DynKind::List(_) | DynKind::Array { .. } => {
            let len = value.len().unwrap_or(0);
            let items = value.elements().map(|item| (item, None));
            write_items(items, len, ["[", "]"], limit, depth, out)
        }
        DynKind::Struct(fields) => {
            if fields.is_empty() {
                return write!(out, "{} {{}}", layout.name);
            }
            let tuple = is_tuple(value);
            // A tuple's name is its elements' types: `(1, 2.5)`, not `(u8, f64)(1, 2.5)`.
            let name = if layout.name.starts_with('(') { "" } else { &layout.name };
            writeln!(out, "{name}{}", if tuple { "(" } else { " {" })?;
            for (name, field) in value.fields() {
                indent(out, depth + 1)?;
                if !tuple {
                    write!(out, "{name}: ")?;
                }
                write_text(field, limit, depth + 1, out)?;
                out.write_all(b",\n")?;
            }
            indent(out, depth)?;
            out.write_all(if tuple { b")" } else { b"}" })
        }
    }
}

/// Writes `value` as JSON: structs as objects, lists and arrays as arrays,
/// options as `null` or the value, tuple structs as arrays, enums as their
/// variant's name or, for a variant with fields, `{"Variant": its fields}`
/// (as serde does: an object, an array, or the one field's value), non-finite
/// floats as `null`. A list or array longer than `limit` becomes
/// `{"items": [the first limit elements], "omitted": the count left out}`.
pub fn json(value: DynValue<'_>, limit: u64, out: &mut impl Write) -> io::Result<()> {
    json_at(value, limit, 0, out)
}

fn json_at(value: DynValue<'_>, limit: u64, depth: usize, out: &mut impl Write) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return json_string(&format!("… nested deeper than {MAX_DEPTH} levels"), out);
    }
    match &value.layout().kind {
        // A reference to no type (readers resolve the others).
        DynKind::Recursive { .. } => out.write_all(b"null"),
        DynKind::Scalar(_) => write_scalar(value.scalar(), out, true),
        DynKind::Str => json_string(value.as_str().unwrap_or_default(), out),
        DynKind::Enum { .. } => match value.variant() {
            Some((_, Some(name))) => match value.variant_value() {
                Some(payload) if payload.fields().next().is_some() => {
                    out.write_all(b"{")?;
                    json_string(name, out)?;
                    out.write_all(b":")?;
                    match payload.fields().collect::<Vec<_>>()[..] {
                        [(_, only)] if is_tuple(payload) => json_at(only, limit, depth + 1, out)?,
                        _ => json_at(payload, limit, depth + 1, out)?,
                    }
                    out.write_all(b"}")
                }
                _ => json_string(name, out),
            },
            Some((discriminant, None)) => write!(out, "{discriminant}"),
            None => out.write_all(b"null"),
        },
        DynKind::Box(_) => match value.deref_box() {
            Some(inner) => json_at(inner, limit, depth + 1, out),
            None => out.write_all(b"null"),
        },
        DynKind::Map { key, value: values, .. } => {
            // A map with string keys is an object; others, and sets, arrays
            // of keys or of `[key, value]` pairs.
            let object = key.kind == DynKind::Str && values.is_some();
            let omitted = value.len().unwrap_or(0).saturating_sub(limit);
            if omitted > 0 {
                out.write_all(b"{\"items\":")?;
            }
            out.write_all(if object { b"{" } else { b"[" })?;
            let entries = value.entries().take(usize::try_from(limit).unwrap_or(usize::MAX));
            for (i, (k, item)) in entries.enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                match item {
                    Some(item) if object => {
                        json_at(k, limit, depth + 1, out)?;
                        out.write_all(b":")?;
                        json_at(item, limit, depth + 1, out)?;
                    }
                    Some(item) => {
                        out.write_all(b"[")?;
                        json_at(k, limit, depth + 1, out)?;
                        out.write_all(b",")?;
                        json_at(item, limit, depth + 1, out)?;
                        out.write_all(b"]")?;
                    }
                    None => json_at(k, limit, depth + 1, out)?,
                }
            }
            out.write_all(if object { b"}" } else { b"]" })?;
            if omitted > 0 {
                write!(out, ",\"omitted\":{omitted}}}")?;
            }
            Ok(())
        }
        DynKind::Option(_) => match value.option().flatten() {
            None => out.write_all(b"null"),
            Some(inner) => json_at(inner, limit, depth + 1, out),
        },
        DynKind::List(_) | DynKind::Array { .. } => {
            let omitted = value.len().unwrap_or(0).saturating_sub(limit);
            if omitted > 0 {
                out.write_all(b"{\"items\":")?;
            }
            out.write_all(b"[")?;
            for (i, item) in
                value.elements().take(usize::try_from(limit).unwrap_or(usize::MAX)).enumerate()
            {
                if i > 0 {
                    out.write_all(b",")?;
                }
                json_at(item, limit, depth + 1, out)?;
            }
            out.write_all(b"]")?;
            if omitted > 0 {
                write!(out, ",\"omitted\":{omitted}}}")?;
            }
            Ok(())
        }
        DynKind::Struct(_) => {
            let tuple = is_tuple(value);
            out.write_all(if tuple { b"[" } else { b"{" })?;
            for (i, (name, field)) in value.fields().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                if !tuple {
                    json_string(name, out)?;
                    out.write_all(b":")?;
                }
                json_at(field, limit, depth + 1, out)?;
            }
            out.write_all(if tuple { b"]" } else { b"}" })
        }
    }
}

fn json_string(s: &str, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(out, s).map_err(io::Error::other)
}

fn write_scalar(value: Option<ScalarValue>, out: &mut impl Write, json: bool) -> io::Result<()> {
    match value {
        None => out.write_all(if json { b"null" } else { b"?" }),
        Some(ScalarValue::F32(f)) if json && !f.is_finite() => out.write_all(b"null"),
        Some(ScalarValue::F64(f)) if json && !f.is_finite() => out.write_all(b"null"),
        Some(ScalarValue::Char(c)) if json => json_string(c.encode_utf8(&mut [0; 4]), out),
        Some(scalar) => write!(out, "{scalar}"),
    }
}
