//! Storing one of the program's values where a file of another version keeps
//! a value of its type otherwise ([`ImageMut::set`](crate::ImageMut::set)):
//! fields by name (and earlier names), numbers converted without loss,
//! variants by name. Only inline values (no blocks) are stored so: nothing
//! but the value's own bytes changes, and every byte written is a valid
//! value of the file's type, so the file stays what validating it proved.

use crate::access::file_ref::FileRef;
use crate::dynamic::convert::copy_at;
use crate::dynamic::decode::{DynField, DynKind, DynLayout};
use crate::dynamic::resolve::{Program, find_field, same};
use crate::dynamic::value::{DynValue, ScalarValue};
use crate::format::layout::FieldLayout;

/// Stores `value` — the program's stored form of a value laid out as
/// `program` says — over `stored`, the file's stored form of a value laid
/// out as `file` says. What the program does not know of (a field it
/// removed) keeps its bytes, unless `fresh`: then `stored` holds no value
/// yet (an option that was `None`, another variant), and the file's fields
/// the value does not give must take zero bytes as a value. Refused, saying
/// what, at `path` (extended on the way down), if the file
/// cannot hold the value as it is.
pub(crate) fn store(
    program: Program<'_>,
    value: &[u8],
    file: &DynLayout,
    stored: &mut [u8],
    fresh: bool,
    path: &mut ValuePath,
) -> Result<(), String> {
    let (Some(value), Some(stored)) =
        (value.get(..program.layout.size as usize), stored.get_mut(..file.size as usize))
    else {
        return Err(format!("{path} does not lie where its layout says"));
    };
    if same(file, program.layout) {
        stored.copy_from_slice(value);
        return Ok(());
    }
    match (&file.kind, &program.layout.kind) {
        (DynKind::Scalar(to), DynKind::Scalar(_)) => {
            let number = read(program.layout, value).scalar().ok_or("not a number")?;
            let Some(converted) = number.exactly_as(*to) else {
                return Err(format!("{path} is {number}, which the file's `{file}` cannot hold"));
            };
            put(stored, 0, &converted.ne_bytes())
        }
        (DynKind::Struct(file_fields), DynKind::Struct(fields)) => {
            let rust = program.rust_fields();
            store_fields((fields, rust), value, file_fields, stored, fresh, path)
        }
        (DynKind::Enum { repr, variants: file_variants }, DynKind::Enum { variants, .. }) => {
            let discriminant = read(program.layout, value).variant().map(|(d, _)| d);
            let variant = variants.iter().find(|v| Some(v.discriminant) == discriminant);
            let variant = variant.ok_or_else(|| format!("{path} holds no variant"))?;
            let Some(file_variant) = file_variants.iter().find(|v| v.name == variant.name) else {
                return Err(format!(
                    "{path} is `{}`, a variant the file's `{}` does not have",
                    variant.name, file.name
                ));
            };
            let current = read(file, stored).variant().map(|(d, _)| d);
            let fresh = fresh || current != Some(file_variant.discriminant);
            if fresh {
                stored.fill(0);
            }
            let tag = ScalarValue::U64(file_variant.discriminant).exactly_as(*repr);
            put(stored, 0, &tag.ok_or("a discriminant too large for its type")?.ne_bytes())?;
            let (DynKind::Struct(file_fields), DynKind::Struct(fields)) =
                (&file_variant.payload.kind, &variant.payload.kind)
            else {
                return Ok(());
            };
            let rust = program.rust_variant_fields(&variant.name);
            path.text.push('.');
            path.text.push_str(&variant.name);
            store_fields((fields, rust), value, file_fields, stored, fresh, path)
        }
        (DynKind::Option(file_inner), DynKind::Option(inner)) => {
            let was_some = stored.first() == Some(&1);
            if value.first() != Some(&1) {
                stored.fill(0);
                return Ok(());
            }
            if !was_some {
                stored.fill(0);
            }
            put(stored, 0, &[1])?;
            let value = value.get(inner.align as usize..).unwrap_or_default();
            let stored = stored.get_mut(file_inner.align as usize..).unwrap_or_default();
            path.text.push('?');
            store(program.inner(inner), value, file_inner, stored, !was_some, path)
        }
        (
            DynKind::Array { element: file_element, len: file_len },
            DynKind::Array { element, len },
        ) if file_len == len => {
            let base = path.text.len();
            for i in 0..*len {
                path.text.truncate(base);
                path.text.push_str(&format!("[{i}]"));
                let value = value.get((i * element.size) as usize..).unwrap_or_default();
                let stored = stored.get_mut((i * file_element.size) as usize..).unwrap_or_default();
                store(program.inner(element), value, file_element, stored, fresh, path)?;
            }
            Ok(())
        }
        _ => Err(format!("the file stores `{file}` for {path}, not `{}`", program.layout)),
    }
}

/// [`store`] for the fields of a struct (or of an enum's variant, laid over
/// the whole enum): the program's `fields` (declared as `rust`, if known)
/// into the file's `file_fields`. A field the file lacks must hold its
/// default, which a file without it reads.
fn store_fields(
    (fields, rust): (&[DynField], Option<&'static [FieldLayout]>),
    value: &[u8],
    file_fields: &[DynField],
    stored: &mut [u8],
    fresh: bool,
    path: &mut ValuePath,
) -> Result<(), String> {
    let base = path.text.len();
    let mut given = vec![false; file_fields.len()];
    for (i, field) in fields.iter().enumerate() {
        let rust = rust.and_then(|r| r.get(i));
        path.text.truncate(base);
        path.text.push('.');
        path.text.push_str(&field.name);
        let size = field.layout.size as usize;
        let value = value.get(field.offset as usize..).unwrap_or_default();
        let Some(file_field) = find_field(file_fields, fields, i, rust) else {
            let default = rust.and_then(|f| f.default).map(|make| (make.0)());
            let stored_default = default.as_ref().and_then(|image| image.stored().get(..size));
            if stored_default.is_none() || stored_default != value.get(..size) {
                return Err(format!(
                    "the file has no {path}, and the value's is not the default a file \
                     without it reads"
                ));
            }
            continue;
        };
        if let Some(i) = file_fields.iter().position(|f| core::ptr::eq(f, file_field)) {
            given[i] = true;
        }
        let program = Program { layout: &field.layout, rust: rust.map(|f| f.layout) };
        let stored = stored.get_mut(file_field.offset as usize..).unwrap_or_default();
        store(program, value, &file_field.layout, stored, fresh, path)?;
    }
    path.text.truncate(base);
    let left_out =
        file_fields.iter().zip(given).find(|(f, given)| !given && !zero_is_a_value(&f.layout));
    match left_out {
        Some((field, _)) if fresh => Err(format!(
            "the file has a field `{}.{}` this program lacks, which a new value there \
             would leave without a value",
            path.text, field.name
        )),
        _ => Ok(()),
    }
}

/// Where a value being stored lies: the path of the value `set` was given
/// (its first `top` bytes), then the way down inside it.
pub(crate) struct ValuePath {
    pub text: String,
    pub top: usize,
}

impl ValuePath {
    /// The path of the value `set` was given.
    pub(crate) fn new(path: &str) -> ValuePath {
        ValuePath { text: path.to_owned(), top: path.len() }
    }
}

impl core::fmt::Display for ValuePath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.text.len() == self.top {
            f.write_str("the value")
        } else {
            write!(f, "`{}`", self.text)
        }
    }
}

/// Whether zero bytes are a value of `layout` (numbers, `None`, a first
/// variant without data, …): what a field of a new value that the program
/// does not give may be left as.
fn zero_is_a_value(layout: &DynLayout) -> bool {
    match &layout.kind {
        DynKind::Scalar(_) | DynKind::Option(_) => true,
        DynKind::Struct(fields) => fields.iter().all(|f| zero_is_a_value(&f.layout)),
        DynKind::Array { element, .. } => zero_is_a_value(element),
        DynKind::Enum { variants, .. } => {
            variants.iter().any(|v| v.discriminant == 0 && zero_is_a_value(&v.payload))
        }
        _ => false,
    }
}

/// A cursor over a stored form alone, which holds no offsets to follow.
fn read<'a>(layout: &'a DynLayout, bytes: &'a [u8]) -> DynValue<'a> {
    DynValue { layout, root: layout, file: FileRef::new(bytes), at: 0 }
}

/// Writes `bytes` at `at` of `stored`.
fn put(stored: &mut [u8], at: usize, bytes: &[u8]) -> Result<(), String> {
    copy_at(stored, at, bytes).ok_or_else(|| "a value outside its place".to_owned())
}
