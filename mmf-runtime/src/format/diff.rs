//! What differs between two embedded schemas, by field path: so that a file
//! refused for another schema says what changed, not only the two hashes.
//!
//! Both schemas are read record by record (see [`SchemaTables`]); structs are
//! compared field by field by name, enums variant by variant by name, lists,
//! options and arrays by their elements. The walk stops at the nesting depth
//! the decoder allows, so a hostile schema cannot make it recurse without end.

use crate::format::notes::Notes;
use crate::format::tables::{
    FieldRecord, SchemaTables, TAG_ARRAY, TAG_BOX, TAG_DATA_ENUM, TAG_ENUM, TAG_HASH_MAP, TAG_LIST,
    TAG_OPTION, TAG_RECURSIVE, TAG_SORTED_MAP, TAG_STR, TAG_STRUCT, TypeRecord, scalar_of_tag,
};

/// How many differences an error names; the rest are counted.
pub(crate) const SHOWN: usize = 5;

/// How deep the walk goes, as the decoder does.
const MAX_DEPTH: u32 = 64;

/// The differences between the schema a file holds and the one a program
/// expects, by field path (`hikes[_].gps_track[_].t: …`): the first
/// [`SHOWN`], and how many there are in all. Nothing if either schema cannot
/// be read.
pub(crate) fn differences(file: &[u8], program: &[u8]) -> (Vec<String>, usize) {
    compare(file, program, ["the file", "this program"], SHOWN)
}

/// The differences between schemas `a` and `b`, whose sources `sides` name
/// (`"the file"`, `"this program"`): the first `shown`, and how many in all.
pub(crate) fn compare(a: &[u8], b: &[u8], sides: [&str; 2], shown: usize) -> (Vec<String>, usize) {
    let (Ok(first), Ok(second)) = (SchemaTables::new(a), SchemaTables::new(b)) else {
        return (Vec::new(), 0);
    };
    let notes = [&first, &second].map(|t| t.notes().ok().flatten());
    let mut diff = Diff { first, second, notes, sides, limit: shown, shown: Vec::new(), count: 0 };
    if let (Ok(a), Ok(b)) = (diff.first.type_record(0), diff.second.type_record(0)) {
        diff.walk("", &a, &b, 0);
    }
    (diff.shown, diff.count)
}

/// Compares schema `a` (the first side) with `b` (the second).
struct Diff<'a> {
    first: SchemaTables<'a>,
    second: SchemaTables<'a>,
    /// Each side's notes, if it has readable ones: where renames show.
    notes: [Option<Notes<'a>>; 2],
    sides: [&'a str; 2],
    limit: usize,
    shown: Vec<String>,
    count: usize,
}

impl<'a> Diff<'a> {
    fn note(&mut self, path: &str, what: String) {
        self.count += 1;
        if self.shown.len() < self.limit {
            let path = if path.is_empty() { "the root" } else { path };
            self.shown.push(format!("{path}: {what}"));
        }
    }

    /// Compares type `a` of the first side with type `b` of the second at `path`.
    fn walk(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        let before = self.count;
        let enums = [a.kind, b.kind].iter().all(|k| matches!(*k, TAG_ENUM | TAG_DATA_ENUM));
        let same_kind = a.kind == b.kind || enums;
        match (a.kind, same_kind) {
            (TAG_STRUCT, true) => {
                self.renamed(path, a, b);
                self.fields(path, a, b, depth);
            }
            (TAG_SORTED_MAP | TAG_HASH_MAP, true) => self.fields(path, a, b, depth),
            (TAG_ENUM | TAG_DATA_ENUM, true) => {
                self.renamed(path, a, b);
                if a.repr != b.repr {
                    let (ra, rb) = (scalar_name(a.repr), scalar_name(b.repr));
                    let [a, b] = self.sides;
                    self.note(path, format!("stored as {ra} in {a}, {rb} in {b}"));
                }
                self.variants(path, a, b, depth);
            }
            (TAG_LIST | TAG_OPTION | TAG_BOX | TAG_ARRAY, true) => {
                if a.kind == TAG_ARRAY && a.count != b.count {
                    self.changed(path, a, b);
                } else if let (Ok(ea), Ok(eb)) = (self.first.element(a), self.second.element(b)) {
                    let step = match a.kind {
                        TAG_OPTION => "?",
                        TAG_BOX => "",
                        _ => "[_]",
                    };
                    self.walk(&format!("{path}{step}"), &ea, &eb, depth + 1);
                }
            }
            // Both name the type they are in, compared where it encloses itself.
            (TAG_RECURSIVE, true) => self.renamed(path, a, b),
            (_, true) => {} // the same scalar, or both strings
            (_, false) => self.changed(path, a, b),
        }
        let explained = self.count > before;
        if !explained && (a.size, a.align) != (b.size, b.align) {
            let [sa, sb] = self.sides;
            let what = format!(
                "{} bytes aligned to {} in {sa}, {} aligned to {} in {sb}",
                a.size, a.align, b.size, b.align
            );
            self.note(path, what);
        }
    }

    /// `a` and `b` are different types.
    fn changed(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>) {
        let (ta, tb) = (describe(&self.first, a, 0), describe(&self.second, b, 0));
        let [sa, sb] = self.sides;
        self.note(path, format!("{ta} in {sa}, {tb} in {sb}"));
    }

    fn renamed(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>) {
        if a.name != b.name {
            let [sa, sb] = self.sides;
            self.note(path, format!("type `{}` in {sa}, `{}` in {sb}", a.name, b.name));
        }
    }

    fn fields(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>, depth: u32) {
        let (Ok(in_a), Ok(in_b)) = (self.first.fields(a), self.second.fields(b)) else {
            return;
        };
        let dot = if path.is_empty() { "" } else { "." };
        // A field of one name on each side that the notes of either say was
        // once called as the other one is renamed.
        let lacks = |fields: &[FieldRecord<'a>], name: &str| fields.iter().all(|f| f.name != name);
        let mut renamed_in_a = Vec::new();
        for field in &in_b {
            let at = format!("{path}{dot}{}", field.name);
            let renamed = in_a.iter().find(|old| {
                lacks(&in_b, old.name)
                    && lacks(&in_a, field.name)
                    && (self.earlier_names(1, field).contains(&old.name)
                        || self.earlier_names(0, old).contains(&field.name))
            });
            match in_a.iter().find(|f| f.name == field.name).or(renamed) {
                None => {
                    let ty = describe(&self.second, &field.ty, 0);
                    let [sa, sb] = self.sides;
                    self.note(&at, format!("{ty}, new in {sb}: {sa} lacks it"));
                }
                Some(old) if old.name != field.name => {
                    let [sa, sb] = self.sides;
                    self.note(
                        &at,
                        format!("renamed: `{}` in {sa}, `{}` in {sb}", old.name, field.name),
                    );
                    renamed_in_a.push(old.index);
                    self.walk(&at, &old.ty, &field.ty, depth + 1);
                }
                Some(old) => {
                    let before = self.count;
                    self.walk(&at, &old.ty, &field.ty, depth + 1);
                    if self.count == before && old.offset != field.offset {
                        let (o, n) = (old.offset, field.offset);
                        let [sa, sb] = self.sides;
                        self.note(&at, format!("at offset {o} in {sa}, {n} in {sb}"));
                    }
                }
            }
        }
        let gone = |f: &&FieldRecord<'a>| lacks(&in_b, f.name) && !renamed_in_a.contains(&f.index);
        for field in in_a.iter().filter(gone) {
            let ty = describe(&self.first, &field.ty, 0);
            let at = format!("{path}{dot}{}", field.name);
            let [sa, sb] = self.sides;
            self.note(&at, format!("{ty}, in {sa} only: {sb} has no such field"));
        }
    }

    /// The earlier names side `side` (0: the first) gives `field` in its notes.
    fn earlier_names(&self, side: usize, field: &FieldRecord<'a>) -> &[&'a str] {
        let note = self.notes[side].as_ref().and_then(|n| n.fields.get(field.index as usize));
        note.map_or(&[], |n| &n.renamed_from)
    }

    fn variants(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>, depth: u32) {
        let (Some(in_a), Some(in_b)) = (variants(&self.first, a), variants(&self.second, b)) else {
            return;
        };
        let dot = if path.is_empty() { "" } else { "." };
        for variant in &in_b {
            match in_a.iter().find(|v| v.name == variant.name) {
                None => {
                    let sb = self.sides[1];
                    self.note(path, format!("variant `{}` is new in {sb}", variant.name));
                }
                Some(old) => {
                    if old.discriminant != variant.discriminant {
                        let [sa, sb] = self.sides;
                        let what = format!(
                            "variant `{}` is {} in {sa}, {} in {sb}",
                            variant.name, old.discriminant, variant.discriminant
                        );
                        self.note(path, what);
                    }
                    let at = format!("{path}{dot}{}", variant.name);
                    match (&old.payload, &variant.payload) {
                        (Some(pa), Some(pb)) => self.fields(&at, pa, pb, depth + 1),
                        (None, None) => {}
                        (pa, pb) => self.payload_fields(&at, pa.as_ref(), pb.as_ref()),
                    }
                }
            }
        }
        for variant in in_a.iter().filter(|v| in_b.iter().all(|p| p.name != v.name)) {
            let sa = self.sides[0];
            self.note(path, format!("variant `{}` is in {sa} only", variant.name));
        }
    }

    /// A variant with fields on one side only: each field is new or gone.
    fn payload_fields(
        &mut self,
        path: &str,
        a: Option<&TypeRecord<'a>>,
        b: Option<&TypeRecord<'a>>,
    ) {
        let [sa, sb] = self.sides;
        if let Some(Ok(fields)) = b.map(|b| self.second.fields(b)) {
            for field in fields {
                let ty = describe(&self.second, &field.ty, 0);
                self.note(
                    &format!("{path}.{}", field.name),
                    format!("{ty}, new in {sb}: {sa} lacks it"),
                );
            }
        }
        if let Some(Ok(fields)) = a.map(|a| self.first.fields(a)) {
            for field in fields {
                let ty = describe(&self.first, &field.ty, 0);
                let what = format!("{ty}, in {sa} only: {sb} has no such field");
                self.note(&format!("{path}.{}", field.name), what);
            }
        }
    }
}

/// One variant of an enum record: its payload struct for an enum with data.
struct Variant<'a> {
    name: &'a str,
    discriminant: u64,
    payload: Option<TypeRecord<'a>>,
}

/// An enum record's variants, fieldless or with data.
fn variants<'a>(tables: &SchemaTables<'a>, ty: &TypeRecord<'a>) -> Option<Vec<Variant<'a>>> {
    if ty.kind == TAG_DATA_ENUM {
        let fields = tables.fields(ty).ok()?;
        let variant = |f: FieldRecord<'a>| Variant {
            name: f.name,
            discriminant: f.offset,
            payload: Some(f.ty),
        };
        Some(fields.into_iter().map(variant).collect())
    } else {
        let variants = tables.variants(ty).ok()?;
        let variant = |v: crate::format::tables::VariantRecord<'a>| Variant {
            name: v.name,
            discriminant: v.discriminant,
            payload: None,
        };
        Some(variants.into_iter().map(variant).collect())
    }
}

/// The type as Rust would name it: `Vec<Coord>`, `Option<u16>`, `[u8; 16]`.
fn describe(tables: &SchemaTables<'_>, ty: &TypeRecord<'_>, depth: u32) -> String {
    let element = || match tables.element(ty) {
        Ok(element) if depth < MAX_DEPTH => describe(tables, &element, depth + 1),
        _ => "?".to_owned(),
    };
    match ty.kind {
        TAG_STR => "String".to_owned(),
        TAG_LIST => format!("Vec<{}>", element()),
        TAG_OPTION => format!("Option<{}>", element()),
        TAG_ARRAY => format!("[{}; {}]", element(), ty.count),
        TAG_BOX => format!("Box<{}>", element()),
        TAG_SORTED_MAP | TAG_HASH_MAP => {
            let parts: Vec<String> = match tables.fields(ty) {
                Ok(parts) if depth < MAX_DEPTH => {
                    parts.iter().map(|p| describe(tables, &p.ty, depth + 1)).collect()
                }
                _ => vec!["?".to_owned()],
            };
            format!("{}<{}>", ty.name, parts.join(", "))
        }
        TAG_STRUCT | TAG_ENUM | TAG_DATA_ENUM | TAG_RECURSIVE => ty.name.to_owned(),
        tag => scalar_name(tag).to_owned(),
    }
}

fn scalar_name(tag: u8) -> &'static str {
    scalar_of_tag(tag).map_or("an unknown kind", |s| s.name())
}
