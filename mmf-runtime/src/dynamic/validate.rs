//! Validation by the embedded schema: the rules of a typed open, applied to
//! a layout read from the file.

use crate::access::file_ref::FileRef;
use crate::access::validate::Validator;
use crate::dynamic::decode::{DynKind, DynLayout, decode_schema};
use crate::dynamic::value::DynValue;
use crate::format::error::{Error, PathSegment, Problem, Result};
use crate::format::header::Header;
use crate::format::layout::Scalar;
use crate::format::tables::{SchemaTables, unreadable};

/// What validation by schema checks beyond the layout.
#[derive(Default)]
pub(crate) struct Rules {
    /// The types that contain themselves (their layouts' addresses): each
    /// value of one is a level of nesting, as a value of a recursive Rust type
    /// is (see `access::deep`). As addresses, so that the set can cross threads.
    pub targets: Vec<usize>,
    /// Fieldless enums (layout addresses) whose values must be among these
    /// discriminants: the variants a program reading the file knows.
    pub strict_enums: Vec<(usize, Vec<u64>)>,
}

/// Validates the value at `value` as its layout says, as `Mapped::validate`
/// does for Rust types; one level deeper if it is of a recursive type.
fn validate(value: DynValue<'_>, v: &mut Validator<'_>, rules: &Rules) -> Result<()> {
    if rules.targets.contains(&(value.layout as *const DynLayout as usize)) {
        v.nested(value.at, |v| validate_value(value, v, rules))
    } else {
        validate_value(value, v, rules)
    }
}

fn validate_value(value: DynValue<'_>, v: &mut Validator<'_>, rules: &Rules) -> Result<()> {
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
                    validate(item, v, rules).map_err(|e| e.within(PathSegment::Index(i as u64)))?;
                }
            }
            Ok(())
        }
        DynKind::Map { key, value: values, hashed } => {
            validate_map(value, key, values.as_deref(), *hashed, v, rules)
        }
        // Readers resolve references as they step into them; one left means the
        // reference named nothing (`DynLayout::from_layout` of a made-up layout).
        DynKind::Recursive { .. } => Err(Error::SchemaUnreadable {
            at: 0,
            problem: format!("`{}` refers to no type around it", value.layout.name),
        }),
        DynKind::Box(inner) => {
            let offset = u64::from_ne_bytes(value.bytes(0).ok_or_else(|| out_of_bounds(value))?);
            v.block_bytes(offset, 1, inner.size, inner.align)?;
            let target = value.deref_box().ok_or_else(|| out_of_bounds(value))?;
            if inner.checked() { validate(target, v, rules) } else { Ok(()) }
        }
        DynKind::Option(_) => match value.bytes::<1>(0) {
            Some([0]) => Ok(()),
            Some([1]) => {
                let inner = value.option().flatten().ok_or_else(|| out_of_bounds(value))?;
                validate(inner, v, rules).map_err(|e| e.within(PathSegment::Some))
            }
            Some([tag]) => {
                Err(Error::invalid(Problem::InvalidOptionTag { offset: at, value: tag }))
            }
            None => Err(out_of_bounds(value)),
        },
        DynKind::Struct(_) => {
            for (name, field) in value.fields() {
                if field.layout.checked() {
                    validate(field, v, rules)
                        .map_err(|e| e.within(PathSegment::Field(name.to_owned().into())))?;
                }
            }
            Ok(())
        }
        DynKind::Enum { .. } => match value.variant().ok_or_else(|| out_of_bounds(value))? {
            (discriminant, Some(name)) if !rules.knows(value.layout, discriminant) => {
                Err(Error::invalid(Problem::UnknownVariant {
                    offset: at,
                    variant: name.to_owned().into(),
                    enum_name: value.layout.name.clone().into(),
                }))
            }
            (_, Some(name)) => match value.variant_value() {
                Some(payload) if payload.layout.checked() => validate(payload, v, rules)
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
fn validate_map<'a>(
    map: DynValue<'a>,
    key: &'a DynLayout,
    value: Option<&'a DynLayout>,
    hashed: bool,
    v: &mut Validator<'_>,
    rules: &Rules,
) -> Result<()> {
    use crate::access::map::{home_of, home_slots, slot_tag};
    let invalid = |reason| Error::invalid(Problem::InvalidMap { offset: map.at, reason });
    let part = |i| map.map_part(i).ok_or_else(|| out_of_bounds(map));
    let (keys, values, tags) = (part(0)?, part(1)?, part(2)?);
    let len = u64::from_ne_bytes(map.bytes(48).ok_or_else(|| out_of_bounds(map))?);
    v.block_bytes(keys.0, keys.1, key.size, key.align)?;
    let slots = keys.1;
    let occupied: Vec<bool> = if hashed {
        if tags.1 != slots {
            return Err(invalid("it has not one tag per key slot"));
        }
        v.block_bytes(tags.0, tags.1, 2, 2)?;
        (0..slots).map(|i| map.map_tag(tags, i).is_some_and(|t| t != 0)).collect()
    } else {
        if tags.1 != 0 {
            return Err(invalid("a map ordered by key has tags"));
        }
        vec![true; slots as usize]
    };
    for i in (0..slots).filter(|&i| occupied[i as usize]) {
        let k = map.map_slot(key, keys, i).ok_or_else(|| out_of_bounds(map))?;
        validate(k, v, rules).map_err(|e| {
            e.within(PathSegment::Index(i)).within(PathSegment::Field("keys".into()))
        })?;
    }
    if len != occupied.iter().filter(|&&o| o).count() as u64 {
        return Err(invalid("its length is not its number of entries"));
    }
    match value {
        Some(_) if values.1 != slots => return Err(invalid("it has not one value per key")),
        Some(layout) => {
            v.block_bytes(values.0, values.1, layout.size, layout.align)?;
            if layout.checked() {
                for i in (0..slots).filter(|&i| occupied[i as usize]) {
                    let value =
                        map.map_slot(layout, values, i).ok_or_else(|| out_of_bounds(map))?;
                    validate(value, v, rules).map_err(|e| {
                        e.within(PathSegment::Index(i)).within(PathSegment::Field("values".into()))
                    })?;
                }
            }
        }
        None if values.1 != 0 => return Err(invalid("a set holds values")),
        None => {}
    }
    let key_at = |i: u64| map.map_slot(key, keys, i);
    let less = |a: u64, b: u64| match (key_at(a), key_at(b)) {
        (Some(a), Some(b)) => a.key_cmp(&b) == Some(core::cmp::Ordering::Less),
        _ => false,
    };
    if !hashed {
        if (1..slots).any(|i| !less(i - 1, i)) {
            return Err(invalid("its keys are out of order, or one is there twice"));
        }
        return Ok(());
    }
    let homes = home_slots(len);
    if slots < homes {
        return Err(invalid("it has fewer slots than its entries need"));
    }
    let mut previous: Option<(u64, u64)> = None;
    for i in (0..slots).filter(|&i| occupied[i as usize]) {
        let hash = key_at(i).and_then(|k| k.key_hash()).ok_or_else(|| out_of_bounds(map))?;
        let ordered = previous.is_none_or(|(p, h)| h < hash || (h == hash && less(p, i)));
        if !ordered {
            return Err(invalid("its entries are out of order, or a key is there twice"));
        }
        let home = home_of(hash, homes);
        if i < home || map.map_tag(tags, i) != Some(slot_tag(hash, i - home)) {
            return Err(invalid("a slot's tag is not its key's"));
        }
        if i > home && !occupied[i as usize - 1] {
            return Err(invalid("an entry is not where its hash puts it"));
        }
        previous = Some((i, hash));
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
    // SAFETY: the caller's promise.
    unsafe { validate_by(data, &header, &layout, Vec::new()) }?;
    Ok((header, layout))
}

/// Validates the object graph of `data` by `layout`, its embedded schema
/// decoded, refusing values of enum variants `strict_enums` leaves out.
///
/// # Safety
///
/// No byte of `data` may be written while this runs.
pub(crate) unsafe fn validate_by(
    data: FileRef<'_>,
    header: &Header,
    layout: &DynLayout,
    strict_enums: Vec<(usize, Vec<u64>)>,
) -> Result<()> {
    header.check_root(layout.size, layout.align)?;
    let root_value = DynValue { layout, root: layout, file: data, at: header.root_offset };
    let targets =
        layout.recursion_targets().into_iter().map(|t| t as *const DynLayout as usize).collect();
    let rules = Rules { targets, strict_enums };
    // SAFETY: the caller's promise.
    unsafe { Validator::run(data, header, layout.size, |v| validate(root_value, v, &rules)) }
}

/// Validates a default from a schema's notes: `value`, at
/// [`DefaultImage::ROOT`](crate::DefaultImage::ROOT) of its image.
fn validate_default(value: DynValue<'_>, rules: &Rules) -> Result<()> {
    let (data, layout) = (value.file, value.layout);
    let header = Header::new(0, value.at, data.len(), 0, 0);
    header.check_root(layout.size, layout.align)?;
    // SAFETY: `value.file` is an image the caller owns through a shared
    // borrow, so nothing writes it.
    unsafe { Validator::run(data, &header, layout.size, |v| validate(value, v, rules)) }
}

/// What is wrong with an embedded schema's notes (the earlier names and
/// defaults that follow its tables, outside the hashed bytes), if anything:
/// they cannot be read (readers then leave them out), or a default is not
/// a value of its field's type (an upgrade to the schema is then refused).
/// `None` if the schema has none or cannot be read at all.
///
/// ```
/// use mmf_runtime::{Mapped, schema};
///
/// #[derive(mmf_derive::Mapped)]
/// #[mmf(crate = "mmf_runtime")]
/// struct Summit {
///     #[mmf(default = true)]
///     climbed: bool,
/// }
///
/// let mut bytes = schema::encode(Summit::LAYOUT);
/// assert!(schema::notes_problem(&bytes).is_none());
/// *bytes.last_mut().unwrap() = 2; // the default of `climbed`, a `bool`
/// let problem = schema::notes_problem(&bytes).unwrap();
/// assert!(problem.to_string().contains("climbed"), "{problem}");
/// // The tables, and a file's values, do not depend on the notes.
/// assert!(mmf_runtime::DynLayout::decode(&bytes).is_ok());
/// ```
pub fn notes_problem(schema: &[u8]) -> Option<Error> {
    let tables = SchemaTables::new(schema).ok()?;
    let fallbacks = match tables.notes() {
        Err(e) => return Some(e),
        Ok(notes) => notes.map_or(0, |n| n.fallbacks.len()),
    };
    let (layout, _) = decode_schema(schema).ok()?;
    if others(&layout) != fallbacks {
        let problem = "its notes: a fallback names no variant without fields of an enum".into();
        return Some(Error::SchemaUnreadable { at: 0, problem });
    }
    check_defaults(&layout).err()
}

/// How many enums in the tree `layout` have an `other` variant.
fn others(layout: &DynLayout) -> usize {
    let here = match &layout.kind {
        DynKind::Enum { variants, .. } => usize::from(variants.iter().any(|v| v.other)),
        _ => 0,
    };
    here + layout.children().map(others).sum::<usize>()
}

/// Validates the defaults in the notes of the tree `root`, each as a value
/// of its field's layout.
pub(crate) fn check_defaults(root: &DynLayout) -> Result<()> {
    let targets =
        root.recursion_targets().into_iter().map(|t| t as *const DynLayout as usize).collect();
    let rules = Rules { targets, strict_enums: Vec::new() };
    check_defaults_in(root, root, &rules, &mut String::new())
}

/// [`check_defaults`] of `layout`, a node of `root`, which `path` names.
fn check_defaults_in(
    layout: &DynLayout,
    root: &DynLayout,
    rules: &Rules,
    path: &mut String,
) -> Result<()> {
    let step = |inner: &DynLayout, segment: &str, path: &mut String| {
        let len = path.len();
        path.push_str(segment);
        let checked = check_defaults_in(inner, root, rules, path);
        path.truncate(len);
        checked
    };
    match &layout.kind {
        DynKind::Scalar(_) | DynKind::Str | DynKind::Recursive { .. } => Ok(()),
        DynKind::List(inner) | DynKind::Array { element: inner, .. } => step(inner, "[_]", path),
        DynKind::Option(inner) | DynKind::Box(inner) => step(inner, "", path),
        DynKind::Map { key, value, .. } => {
            step(key, ".key", path)?;
            value.as_deref().map_or(Ok(()), |value| step(value, "[_]", path))
        }
        DynKind::Struct(fields) => fields.iter().try_for_each(|field| {
            let dot = if path.is_empty() { "" } else { "." };
            let at = format!("{dot}{}", field.name);
            if let Some(default) = field.default_value(root) {
                validate_default(default, rules).map_err(|e| {
                    unreadable(0, format!("the default of {path}{at} in its notes: {e}"))
                })?;
            }
            step(&field.layout, &at, path)
        }),
        DynKind::Enum { variants, .. } => {
            variants.iter().try_for_each(|v| step(&v.payload, &format!("({})", v.name), path))
        }
    }
}

impl Rules {
    /// Whether a program reading the file knows this variant of `layout`.
    fn knows(&self, layout: &DynLayout, discriminant: u64) -> bool {
        let at = layout as *const DynLayout as usize;
        match self.strict_enums.iter().find(|(node, _)| *node == at) {
            Some((_, known)) => known.contains(&discriminant),
            None => true,
        }
    }
}
