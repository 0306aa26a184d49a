//! Resolving a file's layout against the program's (schema evolution): once
//! per open, the file's embedded schema and the program's `LAYOUT` are walked
//! together, and every difference the program can read is turned into an
//! [`Evolved`] node its views follow; the others are listed, by field path.

use std::sync::Arc;

use crate::access::evolve::{Elements, Evolved, Link, Shape, Source, Spread};
use crate::access::file_ref::FileRef;
use crate::access::mapped::Mapped;
use crate::access::validate::{check_header, read_root, view_root};
use crate::dynamic::decode::decode_schema;
use crate::dynamic::decode::{DynField, DynKind, DynLayout};
use crate::dynamic::names::find_field_named;
use crate::dynamic::validate::validate_by;
use crate::format::error::{Error, Result};
use crate::format::header::Header;
use crate::format::layout::{DefaultImage, FieldLayout, Kind, Layout, Scalar};

/// How a file written by another version of the program stores its root
/// type: resolved once per open, followed by views of it.
#[derive(Debug)]
pub(crate) struct Evolution {
    root: Option<Link>,
    /// The file's layout of the root type, from its embedded schema (boxed:
    /// `strict_enums` names its nodes by address).
    pub layout: Box<DynLayout>,
    /// What differs, by field path, for messages.
    pub differences: Vec<String>,
    /// The embedded schema this was resolved from.
    schema: Box<[u8]>,
    /// The enums of `layout` whose values must be of the variants listed,
    /// for validating.
    strict_enums: Vec<(usize, Vec<u64>)>,
}

impl Evolution {
    /// Checks `header` as [`check_for`] does, for a version whose embedded
    /// schema is the one `self` was resolved from, without resolving it
    /// again: `None` if the schema is another (or `header` is not
    /// readable so far), for `check_for` to check it and say why.
    ///
    /// # Safety
    ///
    /// As for [`check_for`].
    unsafe fn check_again(
        self: &Arc<Self>,
        file: FileRef<'_>,
        header: Header,
    ) -> Result<Option<(Header, Option<Arc<Evolution>>)>> {
        if header.check_data_len(file.len()).is_err() {
            return Ok(None);
        }
        let data = file.prefix(header.data_len);
        // SAFETY: the caller's promise.
        let Ok(Some(schema)) = (unsafe { header.schema_bytes(data) }) else { return Ok(None) };
        let align = self.layout.max_align() as usize;
        if schema != &*self.schema || !(file.base() as usize).is_multiple_of(align) {
            return Ok(None);
        }
        // SAFETY: the caller's promise.
        unsafe { validate_by(data, &header, &self.layout, self.strict_enums.clone()) }?;
        Ok(Some((header, Some(Arc::clone(self)))))
    }
}

/// [`check_for`] with the graph validated, for a later version of a file
/// `known` was resolved for: a version with the same embedded schema is
/// validated by it, not resolved again.
///
/// # Safety
///
/// As for [`check_for`].
pub(crate) unsafe fn check_version_for<T: Mapped>(
    file: FileRef<'_>,
    header: Header,
    known: Option<&Arc<Evolution>>,
) -> Result<(Header, Option<Arc<Evolution>>)> {
    if let Some(known) = known.filter(|_| header.schema_hash != T::SCHEMA_HASH) {
        // SAFETY: the caller's promise.
        if let Some(checked) = unsafe { known.check_again(file, header) }? {
            return Ok(checked);
        }
    }
    // SAFETY: the caller's promise.
    unsafe { check_for::<T>(file, header, true) }
}

/// Checks `header` for `T` and, if asked, validates the object graph. A file
/// whose schema is not `T`'s but one `T` can read (see the README's
/// "Changing your types") is validated by its embedded schema, always, and
/// resolved: the `Evolution` its views follow.
///
/// # Safety
///
/// No byte of the version `header` names may be written while this runs.
pub(crate) unsafe fn check_for<T: Mapped>(
    file: FileRef<'_>,
    header: Header,
    graph: bool,
) -> Result<(Header, Option<Arc<Evolution>>)> {
    // SAFETY: the caller's promise.
    let mismatch = match unsafe { check_header::<T>(file, header, graph) } {
        Ok(header) => return Ok((header, None)),
        Err(e @ Error::SchemaMismatch { .. }) => e,
        Err(e) => return Err(e),
    };
    let data = file.prefix(header.data_len);
    // SAFETY: the caller's promise.
    let Ok(Some(schema)) = (unsafe { header.schema_bytes(data) }) else { return Err(mismatch) };
    let (file_layout, file_root_names) = decode_schema(schema)?;
    let file_layout = Box::new(file_layout);
    // The program's types may need less alignment than the file's.
    let align = file_layout.max_align() as usize;
    if !(file.base() as usize).is_multiple_of(align) {
        return Err(Error::MisalignedBuffer { address: file.base() as usize, align });
    }
    // Fields find each other by name; the root, by its type's name or an
    // earlier one: a file of another root type is a mistake far more often
    // than a rename.
    let resolved = match resolve(&file_layout, T::LAYOUT).and_then(|r| {
        match root_mismatch(
            (&file_layout.name, &file_root_names),
            (T::LAYOUT.name, T::RENAMED_FROM),
        ) {
            None => Ok(r),
            Some(problem) => Err(vec![problem]),
        }
    }) {
        Ok(resolved) => resolved,
        Err(problems) => {
            let Error::SchemaMismatch {
                found,
                found_name,
                expected,
                expected_name,
                differences: changes,
                different: changed,
            } = mismatch
            else {
                unreachable!("matched above")
            };
            // Why the program cannot read the file, then what changed.
            let different = problems.len() + changed;
            let differences = problems.into_iter().chain(changes).take(8).collect();
            return Err(Error::SchemaMismatch {
                found,
                found_name,
                expected,
                expected_name,
                differences,
                different,
            });
        }
    };
    // SAFETY: the caller's promise.
    unsafe { validate_by(data, &header, &file_layout, resolved.strict_enums.clone()) }?;
    let differences = match mismatch {
        Error::SchemaMismatch { differences, .. } => differences,
        _ => Vec::new(),
    };
    let evolution = Evolution {
        root: resolved.root,
        layout: file_layout,
        differences,
        schema: schema.into(),
        strict_enums: resolved.strict_enums,
    };
    Ok((header, Some(Arc::new(evolution))))
}

/// Why a file whose root type is named `file` is not one of the program's
/// root type `program`, if it is not: fields find each other by name, and
/// the root by its type's name, or an earlier name one side's notes give
/// (each name comes with those earlier names).
pub(crate) fn root_mismatch(
    (file, file_earlier): (&str, &[&str]),
    (program, program_earlier): (&str, &[&str]),
) -> Option<String> {
    let same =
        file == program || program_earlier.contains(&file) || file_earlier.contains(&program);
    (!same).then(|| {
        format!(
            "the root: the file's root type is `{file}`, this program's `{program}` (if `{program}` is `{file}` renamed, say so with `#[mmf(renamed_from = \"{file}\")]`)"
        )
    })
}

/// A view of the root of an image checked by [`check_for`].
///
/// # Safety
///
/// As for [`view_root`].
pub(crate) unsafe fn view_root_in<'a, T: Mapped>(
    data: FileRef<'a>,
    header: &Header,
    evolution: Option<&'a Evolution>,
) -> T::View<'a> {
    match evolution.and_then(|e| e.root.as_deref()) {
        // SAFETY: the caller's promise; a root resolved as stored like the
        // program's has `T::Raw`'s size and alignment, which `check_root` checked.
        None => unsafe { view_root::<T>(data, header) },
        // SAFETY: validation checked the root's place for the file's layout
        // (`check_root`), and its graph by the schema `how` was resolved from.
        Some(how) => unsafe { T::view_evolved(root_at(data, header, how), how, data) },
    }
}

/// The owned root of an image checked by [`check_for`].
///
/// # Safety
///
/// As for [`view_root`], for the duration of the call.
pub(crate) unsafe fn read_root_in<T: Mapped>(
    data: FileRef<'_>,
    header: &Header,
    evolution: Option<&Evolution>,
) -> T {
    match evolution.and_then(|e| e.root.as_deref()) {
        // SAFETY: as in `view_root_in`.
        None => unsafe { read_root::<T>(data, header) },
        // SAFETY: as in `view_root_in`.
        Some(how) => unsafe { T::read_evolved(root_at(data, header, how), how, data) },
    }
}

/// Where the root lies, stored as `how` says.
///
/// # Safety
///
/// The root's bytes must not be written while `'a` lasts.
unsafe fn root_at<'a>(
    data: FileRef<'a>,
    header: &Header,
    how: &'a Evolved,
) -> core::ptr::NonNull<u8> {
    // SAFETY: the caller's promise.
    match unsafe { Spread::resolve_one(data, header.root_offset, how) }.at(0) {
        Some(at) => at,
        None => unreachable!("validation checked the root's place"),
    }
}

/// How a file stores the program's root type: `None` if exactly as the
/// program does.
pub(crate) struct Resolved {
    pub root: Option<Link>,
    /// The file's fieldless enums that hold variants the program does not
    /// know and has no `other` variant for: each node (by address) and the
    /// discriminants the program can read. Validation refuses a file that
    /// holds any other value there.
    pub strict_enums: Vec<(usize, Vec<u64>)>,
    /// What must hold for the program to read every file of this layout,
    /// by path: values it must not hold, and, where the program is known by
    /// its schema alone, defaults it must have.
    pub conditions: Vec<String>,
}

/// Resolves `file` (the file's layout of the root) against `program`; the
/// differences the program cannot read, by path, if there are any.
pub(crate) fn resolve(file: &DynLayout, program: &'static Layout) -> Result<Resolved, Vec<String>> {
    resolve_against(file, Program { layout: &DynLayout::from_layout(program), rust: Some(program) })
}

/// [`resolve`], for a program known by its layout (`rust`) or its schema
/// alone (`rust: None`: then the result serves as a verdict, not for views).
pub(crate) fn resolve_against(
    file: &DynLayout,
    program: Program<'_>,
) -> Result<Resolved, Vec<String>> {
    let mut walk = Walk {
        problems: Vec::new(),
        strict_enums: Vec::new(),
        conditions: Vec::new(),
        changing: Vec::new(),
    };
    let root = walk.resolve(file, program, &mut String::new(), Place::Field);
    if walk.problems.is_empty() {
        Ok(Resolved { root, strict_enums: walk.strict_enums, conditions: walk.conditions })
    } else {
        Err(walk.problems)
    }
}

/// The program's side of a resolution: its layout of a type and, where the
/// program is the Rust code at hand, the type's [`Layout`], which also says
/// what a schema does not: `frozen` structs, and the earlier field names and
/// defaults a schema without notes lacks.
#[derive(Clone, Copy)]
pub(crate) struct Program<'p> {
    pub layout: &'p DynLayout,
    pub rust: Option<&'static Layout>,
}

impl<'p> Program<'p> {
    fn frozen(self) -> bool {
        self.rust.is_some_and(|l| l.frozen)
    }

    /// The value inside a list, option or box.
    pub(crate) fn inner(self, layout: &'p DynLayout) -> Program<'p> {
        let rust = self.rust.and_then(|l| match l.kind {
            Kind::List(inner)
            | Kind::Option(inner)
            | Kind::Box(inner)
            | Kind::Array { element: inner, .. } => Some(inner),
            Kind::Map { value, .. } => value,
            _ => None,
        });
        Program { layout, rust }
    }

    /// A struct's fields as Rust declares them, if known.
    pub(crate) fn rust_fields(self) -> Option<&'static [FieldLayout]> {
        self.rust.and_then(|l| match l.kind {
            Kind::Struct(fields) => Some(fields),
            _ => None,
        })
    }

    /// The fields of the enum's variant `name` as Rust declares them, if known.
    pub(crate) fn rust_variant_fields(self, name: &str) -> Option<&'static [FieldLayout]> {
        self.rust.and_then(|l| match l.kind {
            Kind::Enum { variants, .. } => {
                variants.iter().find(|v| v.name == name).map(|v| v.fields)
            }
            _ => None,
        })
    }

    /// The discriminant of the variant unknown values read as, if any (as
    /// the Rust layout, or the schema's notes, say).
    fn other(self) -> Option<u64> {
        match &self.layout.kind {
            DynKind::Enum { variants, .. } => {
                variants.iter().find(|v| v.other).map(|v| v.discriminant)
            }
            _ => None,
        }
    }
}

/// Whether `file` stores exactly what `program` describes: same sizes,
/// offsets, kinds and field and variant names. Names of types may differ.
pub(crate) fn same(file: &DynLayout, program: &DynLayout) -> bool {
    same_unless(file, program, &[])
}

/// [`same`], where references to the types that contain themselves being
/// resolved (`changing`) differ: those types do.
fn same_unless(file: &DynLayout, program: &DynLayout, changing: &[Changing]) -> bool {
    let same = |file, program| same_unless(file, program, changing);
    if file.size != program.size || file.align != program.align {
        return false;
    }
    match (&file.kind, &program.kind) {
        (DynKind::Scalar(a), DynKind::Scalar(b)) => a == b,
        (DynKind::Str, DynKind::Str) => true,
        (DynKind::List(a), DynKind::List(b))
        | (DynKind::Option(a), DynKind::Option(b))
        | (DynKind::Box(a), DynKind::Box(b)) => same(a, b),
        (DynKind::Array { element: a, len: n }, DynKind::Array { element: b, len: m }) => {
            n == m && same(a, b)
        }
        (
            DynKind::Map { key: ka, value: va, hashed: ha },
            DynKind::Map { key: kb, value: vb, hashed: hb },
        ) => {
            ha == hb
                && same(ka, kb)
                && match (va, vb) {
                    (Some(a), Some(b)) => same(a, b),
                    (None, None) => true,
                    _ => false,
                }
        }
        (DynKind::Struct(a), DynKind::Struct(b)) => same_fields(a, b, changing),
        (DynKind::Enum { repr: ra, variants: va }, DynKind::Enum { repr: rb, variants: vb }) => {
            ra == rb
                && va.len() == vb.len()
                && va.iter().zip(vb.iter()).all(|(a, b)| {
                    a.name == b.name
                        && a.discriminant == b.discriminant
                        && same_fields(a.fields(), b.fields(), changing)
                })
        }
        (DynKind::Recursive { .. }, DynKind::Recursive { .. }) => {
            file.name == program.name && !changing.iter().any(|c| c.file == file.name)
        }
        _ => false,
    }
}

fn same_fields(file: &[DynField], program: &[DynField], changing: &[Changing]) -> bool {
    file.len() == program.len()
        && file.iter().zip(program).all(|(a, b)| {
            a.name == b.name && a.offset == b.offset && same_unless(&a.layout, &b.layout, changing)
        })
}

/// Where a value is: the program reads numbers stored narrower only as a
/// struct's fields, so that lists and arrays of numbers keep handing out
/// their stored forms.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Field,
    Element,
}

struct Walk {
    problems: Vec<String>,
    strict_enums: Vec<(usize, Vec<u64>)>,
    conditions: Vec<String>,
    /// The types that contain themselves being resolved, innermost last:
    /// their names in the file and in the program, and a link to their
    /// node, which the references to them inside them resolve to.
    changing: Vec<Changing>,
}

/// The node of a struct or enum being resolved, made before its insides if
/// it contains itself (see [`Walk::enter`]).
struct Node(Option<Link>);

impl Node {
    /// A link to the type's node, `resolved`.
    fn made(self, resolved: Evolved) -> Link {
        match self.0 {
            Some(mut node) => {
                node.set(resolved);
                node
            }
            None => Link::new(resolved),
        }
    }
}

/// A type that contains itself, being resolved (see [`Walk::changing`]).
struct Changing {
    file: String,
    program: String,
    node: Link,
}

/// `path`, or "the root" for the empty path.
fn at(path: &str) -> &str {
    if path.is_empty() { "the root" } else { path }
}

impl Walk {
    fn problem(&mut self, path: &str, text: String) {
        self.problems.push(format!("{}: {text}", at(path)));
    }

    fn condition(&mut self, path: &str, text: String) {
        self.conditions.push(format!("{}: {text}", at(path)));
    }

    fn resolve(
        &mut self,
        file: &DynLayout,
        program: Program<'_>,
        path: &mut String,
        place: Place,
    ) -> Option<Link> {
        let layout = program.layout;
        if same_unless(file, layout, &self.changing) {
            return None;
        }
        let evolved = |shape| Some(Link::new(evolved(file, shape)));
        if program.frozen() {
            let name = &layout.name;
            self.problem(
                path,
                format!(
                    "the file stores `{name}` otherwise, and `{name}` is `frozen`: {}",
                    describe_change(file, layout)
                ),
            );
            return None;
        }
        match (&file.kind, &layout.kind) {
            (DynKind::Recursive { .. }, DynKind::Recursive { .. }) => {
                // The type around, which changed: its node, once resolved.
                let around = self
                    .changing
                    .iter()
                    .rev()
                    .find(|c| c.file == file.name && c.program == layout.name);
                match around {
                    Some(around) => Some(around.node.back()),
                    None => {
                        self.problem(path, describe_change(file, layout));
                        None
                    }
                }
            }
            (DynKind::Struct(file_fields), DynKind::Struct(fields)) if same_arity(file, layout) => {
                // A tuple's elements change only as list elements may: its
                // stored form is handed out where all of them are `Frozen`.
                let place = if is_tuple(layout) { Place::Element } else { Place::Field };
                let node = self.enter(file, layout);
                let fields = self.fields(file_fields, fields, program.rust_fields(), path, place);
                self.leave(&node);
                match fields {
                    Some(sources) => Some(node.made(self::evolved(file, Shape::Struct(sources)))),
                    None => {
                        // Nothing in common: another type, not another version of it.
                        let change = describe_change(file, layout);
                        self.problem(path, format!("{change} (no field in common)"));
                        None
                    }
                }
            }
            (DynKind::Scalar(from), DynKind::Scalar(to))
                if place == Place::Field && widens(*from, *to) =>
            {
                evolved(Shape::Widened(*from))
            }
            (
                DynKind::Enum { repr, variants: file_variants },
                DynKind::Enum { repr: to, variants },
            ) if repr == to && !layout.has_data() => {
                // The file's variants may hold data the program does not
                // know of: the discriminant comes first either way.
                let other = program.other();
                let mut map = Vec::new();
                let mut unknown = Vec::new();
                for v in file_variants {
                    match variants.iter().find(|p| p.name == v.name) {
                        Some(p) => map.push((v.discriminant, p.discriminant)),
                        None => unknown.push(format!("`{}`", v.name)),
                    }
                }
                if !unknown.is_empty() && other.is_none() {
                    let readable = map.iter().map(|&(file, _)| file).collect();
                    self.strict_enum(file, readable, &unknown, program, path);
                }
                map.sort_unstable();
                evolved(Shape::Enum { repr: *repr, map: map.into(), other })
            }
            (
                DynKind::Enum { repr, variants: file_variants },
                DynKind::Enum { repr: to, variants },
            ) if repr == to => {
                let node = self.enter(file, layout);
                let other = program.other();
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                for v in file_variants {
                    let Some(p) = variants.iter().find(|p| p.name == v.name) else {
                        match other {
                            // Read as the fallback, a variant without fields.
                            Some(other) => {
                                let fields =
                                    self::evolved(&v.payload, Shape::Struct(Box::default()));
                                known.push((v.discriminant, other, fields));
                            }
                            None => unknown.push(format!("`{}`", v.name)),
                        }
                        continue;
                    };
                    let len = path.len();
                    path.push('.');
                    path.push_str(&p.name);
                    let rust = program.rust_variant_fields(&p.name);
                    let sources = self.fields(v.fields(), p.fields(), rust, path, Place::Field);
                    match sources {
                        Some(sources) => {
                            // The variant's fields, laid over the whole enum.
                            let fields = self::evolved(&v.payload, Shape::Struct(sources));
                            known.push((v.discriminant, p.discriminant, fields));
                        }
                        // A variant that had fields and shares none is another one.
                        None => self.problem(
                            path,
                            String::from("the file's variant has none of this program's fields"),
                        ),
                    }
                    path.truncate(len);
                }
                self.leave(&node);
                if known.is_empty() {
                    let change = describe_change(file, layout);
                    self.problem(path, format!("{change} (no variant in common)"));
                    return None;
                }
                if !unknown.is_empty() {
                    let readable = known.iter().map(|&(file, ..)| file).collect();
                    self.strict_enum(file, readable, &unknown, program, path);
                }
                known.sort_unstable_by_key(|&(file, ..)| file);
                let variants = known.into();
                Some(node.made(self::evolved(file, Shape::DataEnum { repr: *repr, variants })))
            }
            // Elements one after the other: a list's, an array's, a map's values.
            (DynKind::List(file_element), DynKind::List(element))
            | (DynKind::Array { element: file_element, .. }, DynKind::Array { element, .. })
            | (
                DynKind::Map { value: Some(file_element), .. },
                DynKind::Map { value: Some(element), .. },
            ) if same_container(file, layout) => {
                path.push_str("[_]");
                let value = self.inner(file_element, program.inner(element), path, Place::Element);
                path.truncate(path.len() - 3);
                let (size, align) = (file_element.size as usize, file_element.align as usize);
                value.and_then(|node| evolved(Shape::List(Elements { node, size, align })))
            }
            (DynKind::Option(file_value), DynKind::Option(value)) => {
                path.push('?');
                let resolved = self.inner(file_value, program.inner(value), path, place);
                path.pop();
                let payload = file_value.align as usize;
                resolved.and_then(|value| evolved(Shape::Option { payload, value }))
            }
            (DynKind::Box(file_value), DynKind::Box(value)) => {
                let resolved = self.inner(file_value, program.inner(value), path, Place::Element);
                let zeroed = DefaultImage::zeroed(file_value.size as usize);
                resolved.and_then(|value| evolved(Shape::Box { value, zeroed }))
            }
            _ => {
                self.problem(path, describe_change(file, layout));
                None
            }
        }
    }

    /// Starts resolving a struct or enum with data: if it contains itself,
    /// its node, which the references inside it resolve to ([`leave`]
    /// ends that).
    ///
    /// [`leave`]: Self::leave
    fn enter(&mut self, file: &DynLayout, program: &DynLayout) -> Node {
        if !(holds_itself(file) || holds_itself(program)) {
            return Node(None);
        }
        let node = Link::new(evolved(file, Shape::Struct(Box::default())));
        let (file, program) = (file.name.clone(), program.name.clone());
        self.changing.push(Changing { file, program, node: node.back() });
        Node(Some(node))
    }

    /// Ends what [`enter`](Self::enter) started.
    fn leave(&mut self, node: &Node) {
        if node.0.is_some() {
            self.changing.pop();
        }
    }

    /// The file's enum `file` holds variants the program lacks (`unknown`)
    /// and no fallback for them: readable as long as no value is of those,
    /// only of the `readable` discriminants, which validation checks.
    fn strict_enum(
        &mut self,
        file: &DynLayout,
        readable: Vec<u64>,
        unknown: &[String],
        program: Program<'_>,
        path: &str,
    ) {
        self.strict_enums.push((file as *const DynLayout as usize, readable));
        let (unknown, name) = (unknown.join(", "), &program.layout.name);
        let fallback = if program.rust.is_some() {
            ""
        } else {
            // The schema does not say whether the enum has a fallback.
            ", unless the program reads such values as an `#[mmf(other)]` variant"
        };
        self.condition(
            path,
            format!("a file must not hold variant {unknown} of `{name}`{fallback}"),
        );
    }

    /// Where the file holds each of the program's `fields` (declared as
    /// `rust`, if known), which it holds as `file_fields`; `None` if the
    /// file has fields, the program too, and they share none.
    fn fields(
        &mut self,
        file_fields: &[DynField],
        fields: &[DynField],
        rust: Option<&'static [FieldLayout]>,
        path: &mut String,
        place: Place,
    ) -> Option<Box<[Source]>> {
        let rust = |i: usize| rust.and_then(|r| r.get(i));
        let found: Vec<_> =
            (0..fields.len()).map(|i| find_field(file_fields, fields, i, rust(i))).collect();
        if !file_fields.is_empty() && !fields.is_empty() && found.iter().all(Option::is_none) {
            return None;
        }
        let sources = found.into_iter().enumerate().map(|(i, file_field)| {
            let program = Program { layout: &fields[i].layout, rust: rust(i).map(|f| f.layout) };
            self.field(file_field, &fields[i], (program, rust(i)), path, place)
        });
        Some(sources.collect())
    }

    /// A value inside a list, option or box: it differs (else the whole would
    /// not), so `None` means it cannot be read.
    fn inner(
        &mut self,
        file: &DynLayout,
        program: Program<'_>,
        path: &mut String,
        place: Place,
    ) -> Option<Link> {
        let before = self.problems.len();
        let resolved = self.resolve(file, program, path, place);
        if resolved.is_none() && self.problems.len() == before {
            // `same` held for the inside but not the whole: sizes disagree.
            self.problem(path, describe_change(file, program.layout));
        }
        resolved
    }

    /// Where the file holds the program's field `program_field` of layout
    /// `program` (declared as `rust`, if known), found as `file_field`;
    /// else its default.
    fn field(
        &mut self,
        file_field: Option<&DynField>,
        program_field: &DynField,
        (program, rust): (Program<'_>, Option<&'static FieldLayout>),
        path: &mut String,
        place: Place,
    ) -> Source {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&program_field.name);
        let name = &program.layout.name;
        let source = match (file_field, rust) {
            (Some(file_field), _) => {
                let before = self.problems.len();
                let value = self.resolve(&file_field.layout, program, path, place);
                if self.problems.len() > before {
                    Source::Missing(DefaultImage::zeroed(0))
                } else {
                    Source::At { offset: file_field.offset as usize, value }
                }
            }
            (None, Some(FieldLayout { default: Some(default), .. })) => {
                Source::Missing((default.0)())
            }
            (None, None) if program_field.notes.as_ref().is_some_and(|n| n.default.is_some()) => {
                // Known by its schema, whose notes hold the default: a
                // verdict only, so the image is not needed.
                Source::Missing(DefaultImage::zeroed(0))
            }
            (None, Some(_)) | (None, None) if program_field.notes.is_some() || rust.is_some() => {
                self.problem(
                    path,
                    format!(
                        "the file lacks this field, and `{name}` has no `Default`: give the field `#[mmf(default = …)]`"
                    ),
                );
                Source::Missing(DefaultImage::zeroed(0))
            }
            (None, _) => {
                // Known by its schema only: whether it has a default is not.
                if !has_builtin_default(program.layout) {
                    self.condition(
                        path,
                        format!(
                            "the file lacks this field: the program reads it only if `{name}` has a `Default` or the field a `#[mmf(default = …)]`"
                        ),
                    );
                }
                Source::Missing(DefaultImage::zeroed(0))
            }
        };
        path.truncate(len);
        source
    }
}

/// Whether `layout` is a tuple's: named as Rust writes tuples.
fn is_tuple(layout: &DynLayout) -> bool {
    layout.name.starts_with('(')
}

/// Whether two structs can be versions of each other: a tuple can only be
/// a tuple of as many elements.
fn same_arity(file: &DynLayout, program: &DynLayout) -> bool {
    match (&file.kind, &program.kind) {
        (DynKind::Struct(a), DynKind::Struct(b)) if is_tuple(file) && is_tuple(program) => {
            a.len() == b.len()
        }
        _ => !is_tuple(file) && !is_tuple(program),
    }
}

/// Whether two containers differ at most in their elements: arrays of one
/// length, maps of one kind with the same keys. Keys cannot change: where a
/// key lies depends on its stored form.
fn same_container(file: &DynLayout, program: &DynLayout) -> bool {
    match (&file.kind, &program.kind) {
        (DynKind::Array { len: a, .. }, DynKind::Array { len: b, .. }) => a == b,
        (DynKind::Map { key: a, hashed: x, .. }, DynKind::Map { key: b, hashed: y, .. }) => {
            x == y && same(a, b)
        }
        _ => true,
    }
}

/// Whether `layout` contains itself: reaches a [`DynKind::Recursive`]
/// reference back to it (which names the type it refers to). A type that
/// merely holds another type that contains itself does not.
fn holds_itself(layout: &DynLayout) -> bool {
    refers_to(layout, &layout.name)
}

/// Whether `layout` reaches a [`DynKind::Recursive`] reference to `name`.
fn refers_to(layout: &DynLayout, name: &str) -> bool {
    match &layout.kind {
        DynKind::Recursive { .. } => layout.name == name,
        _ => layout.children().any(|child| refers_to(child, name)),
    }
}

/// Whether every Rust type stored as `layout` has a `Default`: numbers,
/// `bool`, `char`, strings, lists, options and maps do; structs and enums
/// may not, nor arrays longer than 32.
fn has_builtin_default(layout: &DynLayout) -> bool {
    match &layout.kind {
        DynKind::Scalar(_) | DynKind::Str | DynKind::List(_) | DynKind::Option(_) => true,
        DynKind::Map { .. } => true,
        DynKind::Box(inner) => has_builtin_default(inner),
        DynKind::Array { element, len } => *len <= 32 && has_builtin_default(element),
        DynKind::Struct(_) | DynKind::Enum { .. } | DynKind::Recursive { .. } => false,
    }
}

/// The file's field that holds the program's field `fields[index]`
/// (declared as `rust`, if known); see [`find_field_named`].
pub(crate) fn find_field<'f>(
    file_fields: &'f [DynField],
    fields: &[DynField],
    index: usize,
    rust: Option<&FieldLayout>,
) -> Option<&'f DynField> {
    let field = &fields[index];
    let earlier: Vec<&str> = match (rust, &field.notes) {
        (Some(rust), _) => rust.renamed_from.to_vec(),
        (None, Some(notes)) => notes.renamed_from.iter().map(String::as_str).collect(),
        (None, None) => Vec::new(),
    };
    find_field_named(file_fields, &field.name, &earlier, |name| {
        fields.iter().any(|p| p.name == name)
    })
}

fn evolved(file: &DynLayout, shape: Shape) -> Evolved {
    Evolved::new(file.size as usize, file.align as usize, shape)
}

/// Whether every value of `from` is a value of `to`, of the same kind of
/// number: `u32` → `u64`, `i16` → `i64`, `u8` → `i16`, `f32` → `f64`.
pub(crate) fn widens(from: Scalar, to: Scalar) -> bool {
    use Scalar::*;
    let rank = |s| match s {
        U8 | I8 => 1,
        U16 | I16 => 2,
        U32 | I32 | F32 => 3,
        U64 | I64 | F64 => 4,
        _ => 9,
    };
    let unsigned = |s| matches!(s, U8 | U16 | U32 | U64);
    let signed = |s| matches!(s, I8 | I16 | I32 | I64);
    let float = |s| matches!(s, F32 | F64);
    rank(from) < rank(to)
        && rank(to) < 9
        && ((unsigned(from) && (unsigned(to) || signed(to)))
            || (signed(from) && signed(to))
            || (float(from) && float(to)))
}

/// What a refused change is, in words: both types.
fn describe_change(file: &DynLayout, program: &DynLayout) -> String {
    let why = match (&file.kind, &program.kind) {
        (DynKind::Scalar(_), DynKind::Scalar(_)) => {
            " (a number can only widen, as a struct's field, to a type that holds all its values)"
        }
        (DynKind::Struct(_), DynKind::Struct(_)) if is_tuple(file) || is_tuple(program) => {
            " (a tuple's elements can change as a list's can, not their number)"
        }
        (DynKind::Enum { .. }, DynKind::Enum { .. }) => " (an enum's variants are matched by name)",
        (DynKind::Array { .. }, DynKind::Array { .. }) => {
            " (an array's elements can change as a list's can, not its length)"
        }
        (DynKind::Map { .. }, DynKind::Map { .. }) => {
            " (a map's values can change as a list's elements can, not its keys or kind)"
        }
        _ => "",
    };
    format!("the file stores `{file}`, this program reads `{program}`{why}")
}
