//! C#: explicit-layout structs and a reader over `MemoryMappedFile`.

use std::fmt::Write;

use mmf_runtime::{DynKind, DynLayout, Scalar};

use crate::{members, named_types, root_comment, type_name, variant_structs};

fn cs_scalar(s: Scalar) -> &'static str {
    match s {
        Scalar::U8 | Scalar::Bool => "byte",
        Scalar::U16 => "ushort",
        Scalar::U32 | Scalar::Char => "uint",
        Scalar::U64 => "ulong",
        Scalar::I8 => "sbyte",
        Scalar::I16 => "short",
        Scalar::I32 => "int",
        Scalar::I64 => "long",
        Scalar::F32 => "float",
        Scalar::F64 => "double",
        Scalar::U128 | Scalar::I128 => "MmfU128",
    }
}

/// C# fields for `layout` at `offset` named `name`: arrays become one field
/// per element (`name_0`, `name_1`, …), since fixed buffers would need unsafe code.
fn cs_fields(layout: &DynLayout, name: &str, offset: u64, out: &mut Vec<(String, u64, String)>) {
    let ty = match &layout.kind {
        DynKind::Scalar(s) => cs_scalar(*s).to_owned(),
        DynKind::Str => "MmfStr".to_owned(),
        DynKind::List(_) => "MmfVec".to_owned(),
        DynKind::Box(_) => "MmfBox".to_owned(),
        DynKind::Map { .. } => "MmfMap".to_owned(),
        DynKind::Array { element, len } => {
            for i in 0..*len {
                cs_fields(element, &format!("{name}_{i}"), offset + i * element.size, out);
            }
            return;
        }
        DynKind::Option(_)
        | DynKind::Struct(_)
        | DynKind::Enum { .. }
        | DynKind::Recursive { .. } => type_name(layout),
    };
    out.push((name.to_owned(), offset, ty));
}

/// An enum with data: a struct whose `Tag` and variants' field structs all
/// start at offset 0, with the tag's values as `Tag…` constants.
fn cs_union(cs: &mut String, checks: &mut String, layout: &DynLayout) {
    let DynKind::Enum { repr, variants } = &layout.kind else { return };
    let name = type_name(layout);
    let tag = cs_scalar(*repr);
    let _ = writeln!(
        cs,
        "    /// {name}: an enum with data, {} bytes, aligned to {}: Tag says which variant's fields follow.",
        layout.size, layout.align
    );
    let _ = writeln!(cs, "    [StructLayout(LayoutKind.Explicit, Size = {})]", layout.size);
    let _ = writeln!(cs, "    public struct {name}\n    {{");
    for v in variants {
        let _ = writeln!(cs, "        public const {tag} Tag{} = {};", v.name, v.discriminant);
    }
    let _ = writeln!(cs, "        [FieldOffset(0)] public {tag} Tag;");
    for (v, fields) in variant_structs(layout) {
        let _ = writeln!(cs, "        [FieldOffset(0)] public {} {};", type_name(&fields), v.name);
    }
    let _ = writeln!(cs, "    }}");
    let _ = writeln!(
        checks,
        "            Check(Marshal.SizeOf(typeof({name})) == {}, \"{name}: size\");",
        layout.size
    );
}

/// C# code for files whose root has `root`'s layout: explicit-layout structs,
/// and `MmfFile`, a reader over `MemoryMappedFile`.
pub fn csharp_from(root: &DynLayout, hash: u64) -> String {
    let mut cs = String::new();
    let _ = write!(
        cs,
        r#"// {comment}
using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;

namespace Mmf.Generated
{{
    /// A string: Len bytes of UTF-8 at Offset from the start of the file.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct MmfStr {{ [FieldOffset(0)] public ulong Offset; [FieldOffset(8)] public ulong Len; }}

    /// A list: Len elements at Offset from the start of the file.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct MmfVec {{ [FieldOffset(0)] public ulong Offset; [FieldOffset(8)] public ulong Len; }}

    /// A box: one value at Offset from the start of the file.
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct MmfBox {{ [FieldOffset(0)] public ulong Offset; }}

    /// A map or set: its slots' keys and values (none for a set), for a hash
    /// map each slot's tag (ushort, 0: an empty slot), and the entry count.
    [StructLayout(LayoutKind.Explicit, Size = 56)]
    public struct MmfMap {{ [FieldOffset(0)] public MmfVec Keys; [FieldOffset(16)] public MmfVec Values; [FieldOffset(32)] public MmfVec Tags; [FieldOffset(48)] public ulong Len; }}

    /// A 128-bit integer in two halves, low first.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct MmfU128 {{ [FieldOffset(0)] public ulong Low; [FieldOffset(8)] public ulong High; }}
"#,
        comment = root_comment(root, hash)
    );
    let mut checks = String::new();
    for layout in &named_types(root) {
        let name = type_name(layout);
        let _ = writeln!(cs);
        if layout.has_data() {
            cs_union(&mut cs, &mut checks, layout);
            continue;
        }
        if let DynKind::Enum { repr, variants } = &layout.kind {
            let _ = writeln!(cs, "    public enum {name} : {}\n    {{", cs_scalar(*repr));
            for v in variants {
                let _ = writeln!(cs, "        {} = {},", v.name, v.discriminant);
            }
            let _ = writeln!(cs, "    }}");
            continue;
        }
        let _ =
            writeln!(cs, "    /// {layout}: {} bytes, aligned to {}.", layout.size, layout.align);
        let _ = writeln!(cs, "    [StructLayout(LayoutKind.Explicit, Size = {})]", layout.size);
        let _ = writeln!(cs, "    public struct {name}\n    {{");
        let mut fields = Vec::new();
        if let DynKind::Option(_) = layout.kind {
            fields.push(("Tag".to_owned(), 0, "byte".to_owned()));
        }
        for (member, offset, field) in members(layout) {
            cs_fields(field, &member, offset, &mut fields);
        }
        for (member, offset, ty) in &fields {
            let _ = writeln!(cs, "        [FieldOffset({offset})] public {ty} {member};");
            let _ = writeln!(
                checks,
                "            Check(Marshal.OffsetOf(typeof({name}), \"{member}\").ToInt64() == {offset}, \"{name}.{member}: offset\");"
            );
        }
        let _ = writeln!(cs, "    }}");
        // The runtime gives an empty struct one byte; the file gives it none.
        if layout.size > 0 {
            let _ = writeln!(
                checks,
                "            Check(Marshal.SizeOf(typeof({name})) == {}, \"{name}: size\");",
                layout.size
            );
        }
    }
    let root_name = type_name(root);
    let root_type = match root.kind {
        DynKind::Scalar(s) => cs_scalar(s).to_owned(),
        DynKind::Str => "MmfStr".to_owned(),
        DynKind::List(_) => "MmfVec".to_owned(),
        DynKind::Box(_) => "MmfBox".to_owned(),
        DynKind::Map { .. } => "MmfMap".to_owned(),
        _ => root_name.clone(),
    };
    let _ = write!(
        cs,
        r#"
    /// An mmf file of {root_name}, mapped read-only. Read-only, and trusting
    /// the file: verify untrusted files with `mmf verify` first.
    public sealed class MmfFile : IDisposable
    {{
        public const ulong SchemaHash = {hash:#018x}UL;
        readonly MemoryMappedFile file;
        readonly MemoryMappedViewAccessor view;
        public readonly long RootOffset;
        public readonly ulong Generation;

        public MmfFile(string path)
        {{
            CheckLayouts();
            long length = new FileInfo(path).Length;
            file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            var magic = new byte[8];
            view.ReadArray(0, magic, 0, 8);
            Check(length >= 64 && Encoding.ASCII.GetString(magic, 1, 3) == "MMF" && magic[0] == 0x89, "not an mmf file");
            Check(view.ReadUInt32(8) == 1, "format version");
            Check(view.ReadUInt64(16) == SchemaHash, "the file holds another type (schema hash)");
            RootOffset = (long)view.ReadUInt64(24);
            Generation = view.ReadUInt64(56);
        }}

        /// The root object.
        public {root_type} Root() {{ return Read<{root_type}>(RootOffset); }}

        /// A stored form at a byte offset from the start of the file.
        public T Read<T>(long offset) where T : struct
        {{
            T value;
            view.Read(offset, out value);
            return value;
        }}

        /// The text of a string.
        public string Text(MmfStr s)
        {{
            var bytes = new byte[s.Len];
            view.ReadArray((long)s.Offset, bytes, 0, bytes.Length);
            return Encoding.UTF8.GetString(bytes);
        }}

        /// The value a box holds.
        public T Deref<T>(MmfBox box) where T : struct {{ return Read<T>((long)box.Offset); }}

        /// Element `index` of a list.
        public T Element<T>(MmfVec list, long index) where T : struct
        {{
            if (index < 0 || (ulong)index >= list.Len) throw new IndexOutOfRangeException();
            return Read<T>((long)list.Offset + index * Marshal.SizeOf(typeof(T)));
        }}

        static void Check(bool ok, string what)
        {{
            if (!ok) throw new InvalidDataException("mmf: " + what);
        }}

        /// Checks every generated type's size and field offsets against the file format.
        public static void CheckLayouts()
        {{
{checks}        }}

        public void Dispose()
        {{
            view.Dispose();
            file.Dispose();
        }}
    }}
}}
"#
    );
    cs
}

// ---------------------------------------------------------------- Python
