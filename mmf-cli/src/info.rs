//! `mmf info` and `mmf schema`: what a file's header and embedded schema say.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use mmf_runtime::{
    DynField, DynKind, DynLayout, Error, FLAG_LITTLE_ENDIAN, FLAG_SUPERSEDED, HEADER_LEN, Header,
    Scalar,
};

/// Prints the header's fields and what the embedded schema names, reading
/// only the header and the schema (constant time, whatever the file's size).
pub fn info(path: &Path, out: &mut impl Write) -> Result<(), crate::Failure> {
    let Head { mut file, file_len, bytes } = read_head(path)?;
    let header = Header::read(&bytes)?;

    // What the header and the schema alone can show to be wrong; printed
    // after what could be read, and then the command fails.
    let mut problem = header.check_data_len(file_len).err();
    let schema =
        read_schema(&mut file, &header, file_len).map_err(io_error(path, "cannot read"))?;
    let root = match schema {
        Err(e @ Error::SchemaCorrupt { .. }) => {
            problem.get_or_insert(e);
            "(the embedded schema does not match the schema hash)".to_owned()
        }
        Err(e) => {
            problem.get_or_insert(e);
            "(the embedded schema cannot be read)".to_owned()
        }
        Ok(None) => "(no embedded schema)".to_owned(),
        Ok(Some(bytes)) => match DynLayout::decode(&bytes) {
            Ok(layout) => {
                if let Err(e) = header.check_root(layout.size, layout.align) {
                    problem.get_or_insert(e);
                }
                format!("{layout} ({} bytes, aligned to {})", layout.size, layout.align)
            }
            Err(e) => {
                let shown = format!("(unreadable embedded schema: {e})");
                problem.get_or_insert(e);
                shown
            }
        },
    };
    let byte_order =
        if header.flags & FLAG_LITTLE_ENDIAN != 0 { "little-endian" } else { "big-endian" };
    let superseded =
        if header.flags & FLAG_SUPERSEDED != 0 { ", superseded by a compacted copy" } else { "" };
    writeln!(out, "file          {} ({file_len} bytes)", path.display())?;
    writeln!(out, "format        version {}, {byte_order}{superseded}", header.version)?;
    writeln!(out, "root type     {root}")?;
    writeln!(out, "schema hash   {:#018x}", header.schema_hash)?;
    writeln!(out, "root offset   {}", header.root_offset)?;
    writeln!(out, "data in use   {} bytes", header.data_len)?;
    writeln!(out, "schema        {} bytes at offset {}", header.schema_len, header.schema_offset)?;
    let note = if header.generation % 2 == 1 {
        " (a writer stopped while switching versions)"
    } else {
        ""
    };
    writeln!(out, "generation    {}{note}", header.generation)?;
    match problem {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The schema in `path`: a file written by `mmf schema --binary` (it starts
/// with `MMFS`), or an mmf file's embedded schema, read with its header only
/// and checked against the header's schema hash.
pub fn schema_of(path: &Path) -> Result<Vec<u8>, crate::Failure> {
    let Head { mut file, file_len, bytes } = read_head(path)?;
    if bytes.starts_with(b"MMFS") {
        return Ok(std::fs::read(path).map_err(io_error(path, "cannot read"))?);
    }
    let header = Header::read(&bytes)?;
    header.check_data_len(file_len)?;
    let schema =
        read_schema(&mut file, &header, file_len).map_err(io_error(path, "cannot read"))?;
    Ok(schema?.ok_or(Error::NoSchema)?)
}

/// A file opened for reading, its length, and its first (up to 64) bytes.
struct Head {
    file: File,
    file_len: u64,
    bytes: Vec<u8>,
}

fn read_head(path: &Path) -> Result<Head, Error> {
    let mut file = File::open(path).map_err(io_error(path, "cannot open"))?;
    let file_len = file.metadata().map_err(io_error(path, "cannot read the metadata of"))?.len();
    let mut bytes = Vec::with_capacity(HEADER_LEN as usize);
    Read::by_ref(&mut file)
        .take(HEADER_LEN)
        .read_to_end(&mut bytes)
        .map_err(io_error(path, "cannot read"))?;
    Ok(Head { file, file_len, bytes })
}

fn io_error<'p>(path: &'p Path, action: &'static str) -> impl FnOnce(io::Error) -> Error + 'p {
    move |source| Error::Io { action, path: path.to_owned(), source }
}

/// The embedded schema's bytes, if the header names some: an error if they
/// lie outside the data in use or the file, or do not hash to the header's
/// schema hash.
fn read_schema(
    file: &mut File,
    header: &Header,
    file_len: u64,
) -> io::Result<Result<Option<Vec<u8>>, Error>> {
    let (offset, len) = (header.schema_offset, header.schema_len);
    if len == 0 {
        return Ok(Ok(None));
    }
    let inside = offset >= HEADER_LEN
        && offset.checked_add(len).is_some_and(|end| end <= file_len.min(header.data_len));
    if !inside {
        return Ok(Err(Error::Header {
            field: "schema_offset",
            offset: 40,
            problem: format!(
                "an embedded schema of {len} bytes at offset {offset} lies outside the {} bytes in use (the file has {file_len})",
                header.data_len
            ),
        }));
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = vec![0; len as usize];
    file.read_exact(&mut bytes)?;
    let found = mmf_runtime::schema::hash_of(&bytes);
    if found != header.schema_hash {
        let expected = header.schema_hash;
        return Ok(Err(Error::SchemaCorrupt { offset, len, found, expected }));
    }
    Ok(Ok(Some(bytes)))
}

/// Prints every struct and enum reachable from `root` once, as Rust
/// declarations with each field's offset and size and the padding between.
pub fn schema(root: &DynLayout, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "// root: {root} ({} bytes, aligned to {})", root.size, root.align)?;
    let mut seen: Vec<&DynLayout> = Vec::new();
    collect(root, &mut seen);
    for layout in seen {
        writeln!(out)?;
        declaration(layout, out)?;
    }
    Ok(())
}

/// The structs and enums reachable from `layout`, each once, outermost first.
fn collect<'a>(layout: &'a DynLayout, seen: &mut Vec<&'a DynLayout>) {
    match &layout.kind {
        // A recursive type inside itself is listed where it encloses itself.
        DynKind::Scalar(_) | DynKind::Str | DynKind::Recursive { .. } => {}
        DynKind::List(inner)
        | DynKind::Option(inner)
        | DynKind::Box(inner)
        | DynKind::Array { element: inner, .. } => collect(inner, seen),
        DynKind::Map { key, value, .. } => {
            collect(key, seen);
            if let Some(value) = value {
                collect(value, seen);
            }
        }
        DynKind::Enum { variants, .. } => {
            if !seen.contains(&layout) {
                seen.push(layout);
            }
            for field in variants.iter().flat_map(|v| v.fields()) {
                collect(&field.layout, seen);
            }
        }
        DynKind::Struct(fields) => {
            if !seen.contains(&layout) {
                seen.push(layout);
            }
            for field in fields {
                collect(&field.layout, seen);
            }
        }
    }
}

fn declaration(layout: &DynLayout, out: &mut impl Write) -> io::Result<()> {
    match &layout.kind {
        DynKind::Struct(fields) => {
            write!(out, "#[repr(C)] // {} bytes, aligned to {}", layout.size, layout.align)?;
            if layout.name.starts_with('(') {
                // A tuple: a struct of its elements, named as generated readers name it.
                writeln!(out, ": the tuple {}", layout.name)?;
                write!(out, "struct {}", mmf_codegen::identifier(&layout.name))?;
            } else {
                writeln!(out)?;
                write!(out, "struct {}", layout.name)?;
            }
            let tuple = is_tuple(fields);
            fields_of(fields, 0, layout.size, 0, out)?;
            writeln!(out, "{}", if tuple { ";" } else { "" })
        }
        DynKind::Enum { repr, variants } if layout.has_data() => {
            writeln!(
                out,
                "#[repr({})] // {}, aligned to {}: the discriminant, then the variant's fields",
                repr.name(),
                bytes(layout.size),
                layout.align
            )?;
            writeln!(out, "enum {} {{", layout.name)?;
            let tag = tag_size(*repr);
            for variant in variants {
                if variant.other {
                    writeln!(out, "    #[mmf(other)]")?;
                }
                write!(out, "    {}", variant.name)?;
                if !variant.fields().is_empty() {
                    fields_of(variant.fields(), tag, layout.size, 1, out)?;
                }
                writeln!(out, " = {},", variant.discriminant)?;
            }
            writeln!(out, "}}")
        }
        DynKind::Enum { repr, variants } => {
            writeln!(out, "#[repr({})] // {}", repr.name(), bytes(layout.size))?;
            writeln!(out, "enum {} {{", layout.name)?;
            for variant in variants {
                if variant.other {
                    writeln!(out, "    #[mmf(other)]")?;
                }
                writeln!(out, "    {} = {},", variant.name, variant.discriminant)?;
            }
            writeln!(out, "}}")
        }
        _ => Ok(()),
    }
}

/// Whether a struct's fields are named by their index, as a tuple struct's.
fn is_tuple(fields: &[DynField]) -> bool {
    !fields.is_empty() && fields.iter().enumerate().all(|(i, f)| f.name == i.to_string())
}

fn tag_size(repr: Scalar) -> u64 {
    match repr {
        Scalar::U8 => 1,
        Scalar::U16 => 2,
        _ => 4,
    }
}

/// Writes ` {` or `(`, the fields one per line with their offsets and the
/// padding between (from `start` to `size`), then `}` or `)`, indented by
/// `depth` levels.
fn fields_of(
    fields: &[DynField],
    start: u64,
    size: u64,
    depth: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    let tuple = is_tuple(fields);
    let (open, close) = if tuple { ("(", ")") } else { (" {", "}") };
    let pad = "    ".repeat(depth + 1);
    writeln!(out, "{open}")?;
    let mut end = start;
    for field in fields {
        if field.offset > end {
            writeln!(out, "{pad}// {} of padding at offset {end}", bytes(field.offset - end))?;
        }
        let decl = if tuple {
            format!("{},", field.layout)
        } else {
            format!("{}: {},", field.name, field.layout)
        };
        // Earlier names, as the schema's notes give them.
        for old in field.notes.iter().flat_map(|n| &n.renamed_from) {
            writeln!(out, "{pad}#[mmf(renamed_from = {old:?})]")?;
        }
        writeln!(
            out,
            "{pad}{decl:<40} // offset {}, {}{}",
            field.offset,
            bytes(field.layout.size),
            stored_as(&field.layout)
        )?;
        end = field.offset + field.layout.size;
    }
    if size > end {
        writeln!(out, "{pad}// {} of padding at offset {end}", bytes(size - end))?;
    }
    write!(out, "{}{close}", "    ".repeat(depth))
}

/// How a field's value is stored, where it is not plain.
fn stored_as(layout: &DynLayout) -> &'static str {
    match layout.kind {
        DynKind::Str => ": offset u64, length u64 of UTF-8",
        DynKind::List(_) => ": offset u64, length u64 of elements",
        DynKind::Option(_) => ": tag u8 (0 or 1), padding, value",
        DynKind::Box(_) => ": offset u64 of the value's block",
        DynKind::Map { hashed: true, .. } => {
            ": a hash table: keys, values, tags (offset u64, length u64 each), length u64"
        }
        DynKind::Map { hashed: false, .. } => {
            ": keys, values (in key order), no tags (offset u64, length u64 each), length u64"
        }
        _ => "",
    }
}

/// `1 byte`, `2 bytes`.
fn bytes(n: u64) -> String {
    if n == 1 { "1 byte".to_owned() } else { format!("{n} bytes") }
}
