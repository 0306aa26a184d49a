//! Which of a file's fields holds which of the program's, by name: where
//! the file's layout is resolved against the program's, and where a path
//! through a file of another version names fields as the program does.

use crate::dynamic::decode::{DynField, DynKind, DynLayout};
use crate::format::layout::{FieldLayout, Kind, Layout};

/// The file's field that holds the program's field `name`, once called
/// `earlier`: by its name, else by an earlier name of it (the program's
/// rename: an older file), else the field, of a name the program does not
/// use (`programs`), that the file's notes say was once called so (the
/// file's rename: a newer file).
pub(crate) fn find_field_named<'f>(
    file_fields: &'f [DynField],
    name: &str,
    earlier: &[&str],
    programs: impl Fn(&str) -> bool,
) -> Option<&'f DynField> {
    let by_name = |name: &str| file_fields.iter().find(|f| f.name == name);
    let renamed_in_file = || {
        file_fields.iter().find(|f| {
            f.notes.as_ref().is_some_and(|n| n.renamed_from.iter().any(|old| old == name))
                && !programs(&f.name)
        })
    };
    by_name(name).or_else(|| earlier.iter().find_map(|old| by_name(old))).or_else(renamed_in_file)
}

/// The program's layout along a path through a file of another version, so
/// that the path names fields as the program does (`DynValue::path_as`):
/// each field step gives the file's name of the field.
pub(crate) struct ProgramPath {
    /// Where the path is in the program's types; `None` once it left them
    /// (a field the program lacks): the rest of the path is in the file's
    /// names.
    at: Option<ProgramPlace>,
    /// The structs and enums the path went into, where a type that contains
    /// itself is found again.
    around: Vec<&'static Layout>,
}

#[derive(Clone, Copy)]
enum ProgramPlace {
    Type(&'static Layout),
    /// The fields of an enum's variant.
    Variant(&'static [FieldLayout]),
}

impl ProgramPath {
    /// A path from the program's `root`, if known.
    pub(crate) fn new(root: Option<&'static Layout>) -> ProgramPath {
        ProgramPath { at: root.map(ProgramPlace::Type), around: Vec::new() }
    }

    /// The type the path is at, past boxes and back-references to the
    /// types around it, as views see it.
    fn settled(&self) -> Option<ProgramPlace> {
        let mut layout = match self.at? {
            ProgramPlace::Type(layout) => layout,
            variant => return Some(variant),
        };
        loop {
            layout = match layout.kind {
                Kind::Box(inner) => inner,
                Kind::Recursive => *self.around.iter().rev().find(|l| l.name == layout.name)?,
                _ => return Some(ProgramPlace::Type(layout)),
            };
        }
    }

    /// Steps into the program's field or variant `name` of the struct or
    /// enum `file` stores as `file_layout`; the name `file` gives it.
    pub(crate) fn field<'f>(&mut self, name: &'f str, file_layout: &'f DynLayout) -> &'f str {
        let fields = match self.settled() {
            Some(ProgramPlace::Type(layout)) => {
                self.around.push(layout);
                match layout.kind {
                    Kind::Struct(fields) => fields,
                    Kind::Enum { variants, .. } => {
                        let variant = variants.iter().find(|v| v.name == name);
                        self.at = variant.map(|v| ProgramPlace::Variant(v.fields));
                        return name;
                    }
                    _ => &[],
                }
            }
            Some(ProgramPlace::Variant(fields)) => fields,
            None => &[],
        };
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            self.at = None;
            return name;
        };
        self.at = Some(ProgramPlace::Type(field.layout));
        let DynKind::Struct(file_fields) = &file_layout.kind else { return name };
        let programs = |name: &str| fields.iter().any(|f| f.name == name);
        match find_field_named(file_fields, name, field.renamed_from, programs) {
            Some(file_field) => &file_field.name,
            None => name,
        }
    }

    /// Steps into an element of a list or array, a map's value or an
    /// option's.
    pub(crate) fn inner(&mut self) {
        self.at = match self.settled() {
            Some(ProgramPlace::Type(layout)) => match layout.kind {
                Kind::List(inner) | Kind::Option(inner) | Kind::Array { element: inner, .. } => {
                    Some(ProgramPlace::Type(inner))
                }
                Kind::Map { value, .. } => value.map(ProgramPlace::Type),
                _ => None,
            },
            _ => None,
        };
    }
}
