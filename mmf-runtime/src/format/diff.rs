//! What differs between two embedded schemas, by field path: so that a file
//! refused for another schema says what changed, not only the two hashes.
//!
//! Both schemas are read record by record (see [`SchemaTables`]); structs are
//! compared field by field by name, enums variant by variant by name, lists,
//! options and arrays by their elements. The walk stops at the nesting depth
//! the decoder allows, so a hostile schema cannot make it recurse without end.

use crate::format::schema::{
    SchemaTables, TAG_ARRAY, TAG_ENUM, TAG_LIST, TAG_OPTION, TAG_STR, TAG_STRUCT, TypeRecord,
    scalar_of_tag,
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
    let (Ok(file), Ok(program)) = (SchemaTables::new(file), SchemaTables::new(program)) else {
        return (Vec::new(), 0);
    };
    let mut diff = Diff { file, program, shown: Vec::new(), count: 0 };
    if let (Ok(a), Ok(b)) = (diff.file.type_record(0), diff.program.type_record(0)) {
        diff.walk("", &a, &b, 0);
    }
    (diff.shown, diff.count)
}

struct Diff<'a> {
    file: SchemaTables<'a>,
    program: SchemaTables<'a>,
    shown: Vec<String>,
    count: usize,
}

impl<'a> Diff<'a> {
    fn note(&mut self, path: &str, what: String) {
        self.count += 1;
        if self.shown.len() < SHOWN {
            let path = if path.is_empty() { "the root" } else { path };
            self.shown.push(format!("{path}: {what}"));
        }
    }

    /// Compares type `a` of the file with type `b` of the program at `path`.
    fn walk(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        let before = self.count;
        let same_kind = a.kind == b.kind;
        match (a.kind, same_kind) {
            (TAG_STRUCT, true) => {
                self.renamed(path, a, b);
                self.fields(path, a, b, depth);
            }
            (TAG_ENUM, true) => {
                self.renamed(path, a, b);
                if a.repr != b.repr {
                    let (ra, rb) = (scalar_name(a.repr), scalar_name(b.repr));
                    self.note(path, format!("stored as {ra} in the file, {rb} in this program"));
                }
                self.variants(path, a, b);
            }
            (TAG_LIST | TAG_OPTION | TAG_ARRAY, true) => {
                if a.kind == TAG_ARRAY && a.count != b.count {
                    let (ta, tb) = (describe(&self.file, a, 0), describe(&self.program, b, 0));
                    self.note(path, format!("{ta} in the file, {tb} in this program"));
                } else if let (Ok(ea), Ok(eb)) = (self.file.element(a), self.program.element(b)) {
                    let step = if a.kind == TAG_OPTION { "?" } else { "[_]" };
                    self.walk(&format!("{path}{step}"), &ea, &eb, depth + 1);
                }
            }
            (_, true) => {} // the same scalar, or both strings
            (_, false) => {
                let (ta, tb) = (describe(&self.file, a, 0), describe(&self.program, b, 0));
                self.note(path, format!("{ta} in the file, {tb} in this program"));
            }
        }
        let explained = self.count > before;
        if !explained && (a.size, a.align) != (b.size, b.align) {
            let what = format!(
                "{} bytes aligned to {} in the file, {} aligned to {} in this program",
                a.size, a.align, b.size, b.align
            );
            self.note(path, what);
        }
    }

    fn renamed(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>) {
        if a.name != b.name {
            self.note(path, format!("type `{}` in the file, `{}` in this program", a.name, b.name));
        }
    }

    fn fields(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>, depth: u32) {
        let (Ok(in_file), Ok(in_program)) = (self.file.fields(a), self.program.fields(b)) else {
            return;
        };
        let dot = if path.is_empty() { "" } else { "." };
        for field in &in_program {
            let at = format!("{path}{dot}{}", field.name);
            match in_file.iter().find(|f| f.name == field.name) {
                None => {
                    let ty = describe(&self.program, &field.ty, 0);
                    self.note(&at, format!("{ty}, new in this program: the file lacks it"));
                }
                Some(old) => {
                    let before = self.count;
                    self.walk(&at, &old.ty, &field.ty, depth + 1);
                    if self.count == before && old.offset != field.offset {
                        let (o, n) = (old.offset, field.offset);
                        self.note(&at, format!("at offset {o} in the file, {n} in this program"));
                    }
                }
            }
        }
        for field in in_file.iter().filter(|f| in_program.iter().all(|p| p.name != f.name)) {
            let ty = describe(&self.file, &field.ty, 0);
            let at = format!("{path}{dot}{}", field.name);
            self.note(&at, format!("{ty}, in the file only: this program has no such field"));
        }
    }

    fn variants(&mut self, path: &str, a: &TypeRecord<'a>, b: &TypeRecord<'a>) {
        let (Ok(in_file), Ok(in_program)) = (self.file.variants(a), self.program.variants(b))
        else {
            return;
        };
        for variant in &in_program {
            match in_file.iter().find(|v| v.name == variant.name) {
                None => {
                    self.note(path, format!("variant `{}` is new in this program", variant.name))
                }
                Some(old) if old.discriminant != variant.discriminant => {
                    let what = format!(
                        "variant `{}` is {} in the file, {} in this program",
                        variant.name, old.discriminant, variant.discriminant
                    );
                    self.note(path, what);
                }
                Some(_) => {}
            }
        }
        for variant in in_file.iter().filter(|v| in_program.iter().all(|p| p.name != v.name)) {
            self.note(path, format!("variant `{}` is in the file only", variant.name));
        }
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
        TAG_STRUCT | TAG_ENUM => ty.name.to_owned(),
        tag => scalar_name(tag).to_owned(),
    }
}

fn scalar_name(tag: u8) -> &'static str {
    scalar_of_tag(tag).map_or("an unknown kind", |s| s.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::layout::{FieldLayout, Kind, Layout, Scalar};
    use crate::format::schema::encode;

    const U64: Layout = Layout { name: "u64", size: 8, align: 8, kind: Kind::Scalar(Scalar::U64) };
    const F64: Layout = Layout { name: "f64", size: 8, align: 8, kind: Kind::Scalar(Scalar::F64) };

    const fn field(name: &'static str, offset: usize, layout: &'static Layout) -> FieldLayout {
        FieldLayout { name, offset, size: layout.size, layout }
    }

    #[test]
    fn fields_added_removed_and_changed_are_named_by_path() {
        static OLD: [FieldLayout; 2] = [field("x", 0, &F64), field("y", 8, &F64)];
        static NEW: [FieldLayout; 2] = [field("x", 0, &U64), field("t", 8, &U64)];
        let old = Layout { name: "Coord", size: 16, align: 8, kind: Kind::Struct(&OLD) };
        let new = Layout { name: "Coord", size: 16, align: 8, kind: Kind::Struct(&NEW) };
        let (shown, count) = differences(&encode(&old), &encode(&new));
        assert_eq!(
            shown,
            [
                "x: f64 in the file, u64 in this program",
                "t: u64, new in this program: the file lacks it",
                "y: f64, in the file only: this program has no such field",
            ]
        );
        assert_eq!(count, 3);
        assert_eq!(differences(&encode(&old), &encode(&old)), (Vec::new(), 0));
        assert_eq!(differences(b"not a schema", &encode(&old)), (Vec::new(), 0));
    }
}
