//! Python: `ctypes` classes over `mmap`, numpy dtypes for plain structs.

use std::fmt::Write;

use mmf_runtime::{DynKind, DynLayout, Scalar};

use crate::{members, named_types, root_comment, type_name, variant_structs};

fn py_scalar(s: Scalar) -> &'static str {
    match s {
        Scalar::U8 | Scalar::Bool => "ctypes.c_uint8",
        Scalar::U16 => "ctypes.c_uint16",
        Scalar::U32 | Scalar::Char => "ctypes.c_uint32",
        Scalar::U64 => "ctypes.c_uint64",
        Scalar::I8 => "ctypes.c_int8",
        Scalar::I16 => "ctypes.c_int16",
        Scalar::I32 => "ctypes.c_int32",
        Scalar::I64 => "ctypes.c_int64",
        Scalar::F32 => "ctypes.c_float",
        Scalar::F64 => "ctypes.c_double",
        Scalar::U128 | Scalar::I128 => "(ctypes.c_uint8 * 16)",
    }
}

fn py_type(layout: &DynLayout) -> String {
    match &layout.kind {
        DynKind::Scalar(s) => py_scalar(*s).to_owned(),
        DynKind::Str => "MmfStr".to_owned(),
        DynKind::List(_) => "MmfVec".to_owned(),
        DynKind::Box(_) => "MmfBox".to_owned(),
        DynKind::Map { .. } => "MmfMap".to_owned(),
        DynKind::Array { element, len } => format!("({} * {len})", py_type(element)),
        DynKind::Enum { repr, .. } if !layout.has_data() => py_scalar(*repr).to_owned(),
        DynKind::Option(_)
        | DynKind::Struct(_)
        | DynKind::Enum { .. }
        | DynKind::Recursive { .. } => type_name(layout),
    }
}

/// A numpy format for a plain layout (numbers, arrays and structs of them).
fn numpy_format(layout: &DynLayout) -> Option<String> {
    Some(match &layout.kind {
        DynKind::Scalar(s) => match s {
            Scalar::U8 => "u1",
            Scalar::U16 => "<u2",
            Scalar::U32 => "<u4",
            Scalar::U64 => "<u8",
            Scalar::I8 => "i1",
            Scalar::I16 => "<i2",
            Scalar::I32 => "<i4",
            Scalar::I64 => "<i8",
            Scalar::F32 => "<f4",
            Scalar::F64 => "<f8",
            Scalar::Bool => "?",
            Scalar::U128 | Scalar::I128 | Scalar::Char => return None,
        }
        .to_owned(),
        DynKind::Array { element, len } => format!("({len},){}", numpy_format(element)?),
        DynKind::Struct(_) => format!("{}_dtype", type_name(layout)),
        _ => return None,
    })
}

/// An enum with data: a `ctypes.Union` of its tag and its variants' field
/// structures, with the tag's values as `TAG_Variant`.
fn py_union(py: &mut String, layout: &DynLayout) {
    let DynKind::Enum { repr, variants } = &layout.kind else { return };
    let name = type_name(layout);
    let _ = writeln!(py, "\n\nclass {name}(ctypes.Union):");
    let _ = writeln!(
        py,
        "    \"\"\"{name}: an enum with data, {} bytes, aligned to {}: `tag` says which variant's fields follow.\"\"\"",
        layout.size, layout.align
    );
    for v in variants {
        let _ = writeln!(py, "    TAG_{} = {}", v.name, v.discriminant);
    }
    let _ = writeln!(py, "    _pack_ = 1\n    _fields_ = [");
    let _ = writeln!(py, "        (\"tag\", {}),", py_scalar(*repr));
    for (v, fields) in variant_structs(layout) {
        let _ = writeln!(py, "        (\"{}\", {}),", v.name, type_name(&fields));
    }
    let _ = writeln!(py, "    ]\n");
    let _ = writeln!(py, "\nassert ctypes.sizeof({name}) == {}, \"{name}: size\"", layout.size);
}

/// A Python module for files whose root has `root`'s layout: `ctypes`
/// structures with explicit padding (`_pack_ = 1`), checked at import, a reader
/// over `mmap`, and numpy dtypes for plain structs when numpy is installed.
pub fn python_from(root: &DynLayout, hash: u64) -> String {
    let mut py = String::new();
    let _ = write!(
        py,
        r#""""{comment}

Read-only, and trusting the file: verify untrusted files with `mmf verify`.
Strings and lists are (offset, len) pairs from the start of the file.
"""
import ctypes
import mmap
import struct

SCHEMA_HASH = {hash:#018x}


class MmfStr(ctypes.Structure):
    """A string: `len` bytes of UTF-8 at `offset` from the start of the file."""
    _pack_ = 1
    _fields_ = [("offset", ctypes.c_uint64), ("len", ctypes.c_uint64)]


class MmfVec(ctypes.Structure):
    """A list: `len` elements at `offset` from the start of the file."""
    _pack_ = 1
    _fields_ = [("offset", ctypes.c_uint64), ("len", ctypes.c_uint64)]


class MmfMap(ctypes.Structure):
    """A map or set: its slots' keys and values (none for a set), for a hash
    map each slot's tag (uint16, 0: an empty slot), and the entry count."""
    _pack_ = 1
    _fields_ = [("keys", MmfVec), ("values", MmfVec), ("tags", MmfVec), ("len", ctypes.c_uint64)]


class MmfBox(ctypes.Structure):
    """A box: one value at `offset` from the start of the file."""
    _pack_ = 1
    _fields_ = [("offset", ctypes.c_uint64)]
"#,
        comment = root_comment(root, hash)
    );
    let mut dtypes = String::new();
    for layout in &named_types(root) {
        let name = type_name(layout);
        if layout.has_data() {
            py_union(&mut py, layout);
            continue;
        }
        if let DynKind::Enum { variants, .. } = &layout.kind {
            let _ = writeln!(py, "\n\nclass {name}:\n    \"\"\"The variants of enum {name}.\"\"\"");
            for v in variants {
                let _ = writeln!(py, "    {} = {}", v.name, v.discriminant);
            }
            continue;
        }
        let _ = writeln!(py, "\n\nclass {name}(ctypes.Structure):");
        let _ = writeln!(
            py,
            "    \"\"\"{layout}: {} bytes, aligned to {}.\"\"\"",
            layout.size, layout.align
        );
        let _ = writeln!(py, "    _pack_ = 1\n    _fields_ = [");
        let mut end = 0;
        let mut pads = 0;
        let mut pad = |py: &mut String, at: u64, to: u64| {
            if to > at {
                let _ = writeln!(py, "        (\"_pad{pads}\", ctypes.c_uint8 * {}),", to - at);
                pads += 1;
            }
        };
        if let DynKind::Option(_) = layout.kind {
            let _ = writeln!(py, "        (\"tag\", ctypes.c_uint8),");
            end = 1;
        }
        let members = members(layout);
        for (member, offset, field) in &members {
            pad(&mut py, end, *offset);
            let _ = writeln!(py, "        (\"{member}\", {}),", py_type(field));
            end = offset + field.size;
        }
        pad(&mut py, end, layout.size);
        let _ = writeln!(py, "    ]\n");
        let _ = writeln!(py, "\nassert ctypes.sizeof({name}) == {}, \"{name}: size\"", layout.size);
        for (member, offset, _) in &members {
            let _ = writeln!(
                py,
                "assert {name}.{member}.offset == {offset}, \"{name}.{member}: offset\""
            );
        }
        if let DynKind::Struct(_) = layout.kind {
            let formats: Option<Vec<String>> =
                members.iter().map(|(_, _, f)| numpy_format(f)).collect();
            if let Some(formats) = formats {
                let names: Vec<String> =
                    members.iter().map(|(m, _, _)| format!("\"{m}\"")).collect();
                let offsets: Vec<String> = members.iter().map(|(_, o, _)| o.to_string()).collect();
                let formats: Vec<String> = formats
                    .iter()
                    .map(|f| if f.ends_with("_dtype") { f.clone() } else { format!("\"{f}\"") })
                    .collect();
                let _ = writeln!(
                    dtypes,
                    "    {name}_dtype = numpy.dtype({{\"names\": [{}], \"formats\": [{}], \"offsets\": [{}], \"itemsize\": {}}})",
                    names.join(", "),
                    formats.join(", "),
                    offsets.join(", "),
                    layout.size
                );
            }
        }
    }
    let root_type = py_type(root);
    let _ = write!(
        py,
        r#"

try:
    import numpy
except ImportError:  # numpy dtypes are offered only where numpy is installed
    numpy = None

if numpy is not None:
{dtypes}    pass


class MmfFile:
    """An mmf file of {root}, mapped read-only."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, flags, schema_hash, root_offset, data_len, _, _, generation = struct.unpack_from(
            "<8sIIQQQQQQ", self.map, 0)
        if magic != b"\x89MMF\r\n\x1a\n" or version != 1 or not flags & 1:
            raise ValueError("not a little-endian mmf file of format version 1")
        if schema_hash != SCHEMA_HASH:
            raise ValueError("the file holds another type (schema hash %#x)" % schema_hash)
        if not 64 <= root_offset <= data_len - ctypes.sizeof({root_type}) or data_len > len(self.map):
            raise ValueError("the root object lies outside the file")
        self.root_offset = root_offset
        self.generation = generation

    def root(self):
        """A copy of the root object's stored form."""
        return {root_type}.from_buffer_copy(self.map, self.root_offset)

    def text(self, s):
        """The text of an MmfStr."""
        return self.map[s.offset:s.offset + s.len].decode("utf-8")

    def deref(self, ctype, box):
        """The value an MmfBox holds, a `ctype`."""
        return ctype.from_buffer_copy(self.map, box.offset)

    def element(self, ctype, vec, index):
        """Element `index` of an MmfVec whose elements are `ctype`."""
        if not 0 <= index < vec.len:
            raise IndexError(index)
        return ctype.from_buffer_copy(self.map, vec.offset + index * ctypes.sizeof(ctype))

    def elements(self, ctype, vec):
        """All elements of an MmfVec, one by one."""
        return (self.element(ctype, vec, i) for i in range(vec.len))

    def array(self, dtype, vec):
        """A numpy array over an MmfVec's elements, without copying (needs numpy)."""
        return numpy.frombuffer(self.map, dtype=dtype, count=vec.len, offset=vec.offset)

    def close(self):
        self.map.close()
"#,
        root = root,
    );
    py
}
