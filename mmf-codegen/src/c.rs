//! The C header: structs with explicit padding, `_Static_assert`s, accessors.

use std::fmt::Write;

use mmf_runtime::{DynKind, DynLayout, Scalar};

use crate::{field_name, members, named_types, root_comment, type_name, variant_structs};

fn c_scalar(s: Scalar) -> &'static str {
    match s {
        Scalar::U8 | Scalar::Bool => "uint8_t",
        Scalar::U16 => "uint16_t",
        Scalar::U32 | Scalar::Char => "uint32_t",
        Scalar::U64 => "uint64_t",
        Scalar::I8 => "int8_t",
        Scalar::I16 => "int16_t",
        Scalar::I32 => "int32_t",
        Scalar::I64 => "int64_t",
        Scalar::F32 => "float",
        Scalar::F64 => "double",
        Scalar::U128 | Scalar::I128 => "mmf_u128",
    }
}

/// A C member declaration of `layout` named `name`.
fn c_decl(layout: &DynLayout, name: &str) -> String {
    match &layout.kind {
        DynKind::Scalar(s) => format!("{} {name}", c_scalar(*s)),
        DynKind::Str => format!("mmf_str {name}"),
        DynKind::List(_) => format!("mmf_vec {name}"),
        DynKind::Box(_) => format!("mmf_box {name}"),
        DynKind::Map { .. } => format!("mmf_map {name}"),
        DynKind::Array { element, len } => c_decl(element, &format!("{name}[{len}]")),
        DynKind::Enum { repr, .. } if !layout.has_data() => format!("{} {name}", c_scalar(*repr)),
        DynKind::Option(_)
        | DynKind::Struct(_)
        | DynKind::Enum { .. }
        | DynKind::Recursive { .. } => format!("{} {name}", type_name(layout)),
    }
}

/// A C header for files whose root has `root`'s layout and schema hash `hash`
/// (a file's header holds both).
pub fn c_header_from(root: &DynLayout, hash: u64) -> String {
    let guard = format!("MMF_{}_H", type_name(root).to_ascii_uppercase());
    let mut c = String::new();
    let _ = writeln!(c, "/* {} */", root_comment(root, hash));
    let _ = write!(
        c,
        r#"#ifndef {guard}
#define {guard}

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What every mmf header defines alike, once per translation unit. */
#ifndef MMF_COMMON_H
#define MMF_COMMON_H

/* The 64-byte header at the start of every mmf file. */
typedef struct mmf_header {{
    uint8_t magic[8];
    uint32_t version;
    uint32_t flags;
    uint64_t schema_hash;
    uint64_t root_offset;
    uint64_t data_len;
    uint64_t schema_offset;
    uint64_t schema_len;
    uint64_t generation;
}} mmf_header;
_Static_assert(sizeof(mmf_header) == 64, "mmf_header: size");

/* A string: `len` bytes of UTF-8 at `offset` from the start of the file. */
typedef struct mmf_str {{ uint64_t offset; uint64_t len; }} mmf_str;
/* A list: `len` elements at `offset` from the start of the file. */
typedef struct mmf_vec {{ uint64_t offset; uint64_t len; }} mmf_vec;
/* A box: one value at `offset` from the start of the file. */
typedef struct mmf_box {{ uint64_t offset; }} mmf_box;
/* A map or set: its slots' keys and values (none for a set), for a hash map
   each slot's tag (uint16_t, 0: an empty slot), and the entry count. The
   README describes the hash function and the table. */
typedef struct mmf_map {{ mmf_vec keys; mmf_vec values; mmf_vec tags; uint64_t len; }} mmf_map;
/* A 128-bit integer, in the file's byte order. */
typedef struct mmf_u128 {{ _Alignas({align128}) uint8_t bytes[16]; }} mmf_u128;
_Static_assert(sizeof(mmf_str) == 16, "mmf_str: size");
_Static_assert(sizeof(mmf_vec) == 16, "mmf_vec: size");
_Static_assert(sizeof(mmf_box) == 8, "mmf_box: size");
_Static_assert(sizeof(mmf_map) == 56, "mmf_map: size");
_Static_assert(sizeof(mmf_u128) == 16, "mmf_u128: size");

/* The text of a string, `s.len` bytes, not NUL-terminated. */
static inline const char *mmf_str_data(const void *file, mmf_str s) {{
    return (const char *)file + s.offset;
}}

/* The first element of a list; `v.len` elements follow. */
static inline const void *mmf_vec_data(const void *file, mmf_vec v) {{
    return (const char *)file + v.offset;
}}
#endif /* MMF_COMMON_H */

#define {upper}_SCHEMA_HASH UINT64_C({hash:#018x})
"#,
        align128 = align_of::<u128>(),
        upper = type_name(root).to_ascii_uppercase(),
    );
    // A type that contains itself is named in its own accessors: declare it first.
    for target in root.recursion_targets() {
        let kind = if target.has_data() { "union" } else { "struct" };
        let name = type_name(target);
        let _ = writeln!(c, "typedef {kind} {name} {name};");
    }
    for layout in &named_types(root) {
        let name = type_name(layout);
        let _ = writeln!(c);
        if layout.has_data() {
            c_union(&mut c, layout);
            continue;
        }
        if let DynKind::Enum { repr, variants } = &layout.kind {
            let _ = writeln!(c, "/* enum {name}, stored as {} */", repr.name());
            for v in variants {
                let _ = writeln!(c, "#define {name}_{} {}", v.name, v.discriminant);
            }
            continue;
        }
        // Another header may define the same type: its assertions below then
        // check that both agree.
        let _ = writeln!(c, "/* {layout}: {} bytes, aligned to {} */", layout.size, layout.align);
        let _ = writeln!(c, "#ifndef MMF_DEFINED_{name}\n#define MMF_DEFINED_{name}");
        let _ = writeln!(c, "typedef struct {name} {{");
        let mut end = 0;
        let mut pads = 0;
        let mut pad = |c: &mut String, at: u64, to: u64| {
            if to > at {
                let _ = writeln!(c, "    uint8_t _pad{pads}[{}];", to - at);
                pads += 1;
            }
        };
        if let DynKind::Option(_) = layout.kind {
            let _ = writeln!(c, "    uint8_t tag; /* 0: none, 1: some */");
            end = 1;
        }
        for (member, offset, field) in members(layout) {
            pad(&mut c, end, offset);
            let _ = writeln!(c, "    {}; /* {field}, offset {offset} */", c_decl(field, &member));
            end = offset + field.size;
        }
        // A zero-sized struct is empty, as GNU C and Clang allow.
        pad(&mut c, end, layout.size);
        let _ = writeln!(c, "}} {name};");
        if let DynKind::Struct(fields) = &layout.kind {
            for f in fields {
                c_accessor(&mut c, &name, &field_name(&f.name), &f.layout);
            }
        }
        let _ = writeln!(c, "#endif");
        let _ = writeln!(c, "_Static_assert(sizeof({name}) == {}, \"{name}: size\");", layout.size);
        let _ = writeln!(
            c,
            "_Static_assert(_Alignof({name}) == {}, \"{name}: alignment\");",
            layout.align
        );
        if let DynKind::Option(_) = layout.kind {
            let _ =
                writeln!(c, "_Static_assert(offsetof({name}, tag) == 0, \"{name}.tag: offset\");");
        }
        for (member, offset, _) in members(layout) {
            let _ = writeln!(
                c,
                "_Static_assert(offsetof({name}, {member}) == {offset}, \"{name}.{member}: offset\");"
            );
        }
    }
    let root_name = type_name(root);
    let root_type = match root.kind {
        DynKind::Struct(_) | DynKind::Option(_) => root_name.clone(),
        _ => c_decl(root, "").trim_end().to_owned(),
    };
    let _ = write!(
        c,
        r#"
/* The root object of a file of `len` bytes at `file`, or NULL if the file is
   not an mmf file of this type (magic, version, byte order, schema hash, root
   place). The file must have been validated (`mmf verify`) if it is not trusted. */
static inline const {root_type} *{root_name}_root(const void *file, size_t len) {{
    const mmf_header *h = (const mmf_header *)file;
    if (len < sizeof(mmf_header) || memcmp(h->magic, "\x89MMF\r\n\x1a\n", 8) != 0) return NULL;
    const uint16_t one = 1; /* the file's byte order must be this machine's */
    if (h->version != 1 || (h->flags & 1u) != (uint32_t)(*(const uint8_t *)&one == 1)) return NULL;
    if (h->schema_hash != {upper}_SCHEMA_HASH || h->data_len > len) return NULL;
    if (h->root_offset < 64 || h->root_offset + {size} > h->data_len) return NULL;
    return (const {root_type} *)((const char *)file + h->root_offset);
}}

#endif /* {guard} */
"#,
        upper = root_name.to_ascii_uppercase(),
        size = root.size,
    );
    c
}

/// An enum with data: a union of its tag and its variants' field structs,
/// with the tag's values as `Enum_TAG_Variant`.
fn c_union(c: &mut String, layout: &DynLayout) {
    let DynKind::Enum { repr, variants } = &layout.kind else { return };
    let name = type_name(layout);
    let _ = writeln!(
        c,
        "/* {name}: an enum with data, {} bytes, aligned to {}: `tag` says which variant's fields follow */",
        layout.size, layout.align
    );
    for v in variants {
        let _ = writeln!(c, "#define {name}_TAG_{} {}", v.name, v.discriminant);
    }
    let _ = writeln!(c, "#ifndef MMF_DEFINED_{name}\n#define MMF_DEFINED_{name}");
    let _ = writeln!(c, "typedef union {name} {{");
    let _ = writeln!(c, "    {} tag;", c_scalar(*repr));
    for (v, fields) in variant_structs(layout) {
        let _ =
            writeln!(c, "    {} {}; /* tag {name}_TAG_{} */", type_name(&fields), v.name, v.name);
    }
    let _ = writeln!(c, "}} {name};\n#endif");
    let _ = writeln!(c, "_Static_assert(sizeof({name}) == {}, \"{name}: size\");", layout.size);
    let _ =
        writeln!(c, "_Static_assert(_Alignof({name}) == {}, \"{name}: alignment\");", layout.align);
}

/// The C type of a list's element or a box's value.
fn c_element_type(element: &DynLayout) -> String {
    match &element.kind {
        DynKind::Struct(_) | DynKind::Option(_) | DynKind::Recursive { .. } => type_name(element),
        DynKind::Enum { .. } if element.has_data() => type_name(element),
        DynKind::Str => "mmf_str".to_owned(),
        DynKind::List(_) => "mmf_vec".to_owned(),
        DynKind::Box(_) => "mmf_box".to_owned(),
        DynKind::Map { .. } => "mmf_map".to_owned(),
        DynKind::Scalar(s) => c_scalar(*s).to_owned(),
        DynKind::Enum { repr, .. } => c_scalar(*repr).to_owned(),
        DynKind::Array { .. } => "void".to_owned(),
    }
}

/// Accessors for strings, lists and boxes: `Hike_date(file, hike, &len)`,
/// `Hike_gps_track(file, hike)` with `Hike_gps_track_len(hike)`.
fn c_accessor(c: &mut String, owner: &str, member: &str, layout: &DynLayout) {
    match &layout.kind {
        DynKind::Str => {
            let _ = writeln!(
                c,
                "static inline const char *{owner}_{member}(const void *file, const {owner} *v, uint64_t *len) {{\n    *len = v->{member}.len;\n    return mmf_str_data(file, v->{member});\n}}"
            );
        }
        DynKind::List(element) => {
            let element_type = c_element_type(element);
            let _ = writeln!(
                c,
                "static inline const {element_type} *{owner}_{member}(const void *file, const {owner} *v) {{\n    return (const {element_type} *)mmf_vec_data(file, v->{member});\n}}\nstatic inline uint64_t {owner}_{member}_len(const {owner} *v) {{ return v->{member}.len; }}"
            );
        }
        DynKind::Map { key, value, .. } => {
            let key_type = c_element_type(key);
            let _ = writeln!(
                c,
                "static inline const {key_type} *{owner}_{member}_keys(const void *file, const {owner} *v) {{\n    return (const {key_type} *)mmf_vec_data(file, v->{member}.keys);\n}}\nstatic inline uint64_t {owner}_{member}_slots(const {owner} *v) {{ return v->{member}.keys.len; }}"
            );
            if let Some(value) = value {
                let value_type = c_element_type(value);
                let _ = writeln!(
                    c,
                    "static inline const {value_type} *{owner}_{member}_values(const void *file, const {owner} *v) {{\n    return (const {value_type} *)mmf_vec_data(file, v->{member}.values);\n}}"
                );
            }
        }
        DynKind::Box(value) => {
            let value_type = c_element_type(value);
            let _ = writeln!(
                c,
                "static inline const {value_type} *{owner}_{member}(const void *file, const {owner} *v) {{\n    return (const {value_type} *)((const char *)file + v->{member}.offset);\n}}"
            );
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- C#
