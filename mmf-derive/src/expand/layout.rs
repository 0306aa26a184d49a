//! `impl Mapped for Hike`: the offset table and what the runtime needs to
//! write, validate, view and rebuild the struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Struct, mirror};

/// `&self.x`, seen as its stored type: `Indirect::wrap(&self.x)` when the
/// field is stored out of line.
fn value_ref(s: &Struct, field: &crate::ast::Field) -> TokenStream {
    let private = &s.private;
    let member = &field.member;
    if field.indirect {
        quote!(#private::Indirect::wrap(&self.#member))
    } else {
        quote!(&self.#member)
    }
}

/// Which part of `Mapped` a body is, for [`deeper`].
#[derive(Clone, Copy, PartialEq)]
pub enum Part {
    WriteOrRead,
    Validate,
}

/// For a type that contains itself, `body` run one level deeper (`deep` in
/// the runtime, which moves to a new thread before the stack runs out);
/// other types' bodies as they are.
pub fn deeper(
    input: &crate::ast::Input,
    private: &TokenStream,
    part: Part,
    body: TokenStream,
) -> TokenStream {
    match (input.is_recursive(), part) {
        (false, _) => body,
        (true, Part::WriteOrRead) => quote!(#private::deep_or_panic(move || { #body })),
        (true, Part::Validate) => quote!(v.nested(v.offset_of(raw), move |v| { #body })),
    }
}

/// For a type that contains itself, its name for `Recur`'s layout.
pub fn recursive_name(input: &crate::ast::Input, private: &TokenStream) -> TokenStream {
    if !input.is_recursive() {
        return TokenStream::new();
    }
    let ident = input.ident;
    let name = ident.to_string();
    quote! {
        #[automatically_derived]
        impl #private::RecursiveType for #ident {
            const NAME: &'static str = #name;
        }
    }
}

pub fn mapped_impl(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let (raw, view, view_mut) = (&s.raw, &s.view, &s.view_mut);
    let tys: Vec<_> = s.fields.iter().map(|f| &f.stored).collect();
    let layouts: Vec<_> = s.fields.iter().map(|f| &f.layout).collect();
    let idents: Vec<_> = s.fields.iter().map(|f| &f.ident).collect();
    let members: Vec<_> = s.fields.iter().map(|f| &f.member).collect();
    let names: Vec<_> = s.fields.iter().map(|f| &f.name).collect();
    let values: Vec<_> = s.fields.iter().map(|f| value_ref(s, f)).collect();
    let (impl_generics, where_clause) = s.plain_generics();
    let (view_impl_generics, view_args, _) = s.view_generics();
    let args = s.args();
    let predicates = s.predicates();

    // A field stored out of line reads back as `Indirect(value)`.
    let reads: Vec<_> = s
        .fields
        .iter()
        .map(|f| {
            let (ty, name) = (&f.stored, &f.ident);
            let unwrap = f.indirect.then(|| quote!(.0));
            quote! {
                // SAFETY: the caller's promise covers every field.
                unsafe { <#ty as #private::Mapped>::read(&raw.#name, file) } #unwrap
            }
        })
        .collect();
    let rebuild = if s.tuple {
        quote!(#ident(#(#reads),*))
    } else {
        quote!(#ident { #(#members: #reads),* })
    };

    // A generic struct: the name of the instantiation, and the check that
    // every field has the layout it was measured with.
    let (name, check, checked) = if s.is_generic() {
        let checks = mirror::same_layout_check(s).unwrap_or_default();
        (
            quote!(#ident::#args::__MMF_NAME.as_str()),
            crate::generics::instantiation_items(ident, &s.generics, checks, private),
            quote!(let () = #ident::#args::__MMF_SAME_LAYOUT;),
        )
    } else {
        let name = ident.to_string();
        (quote!(#name), quote!(), quote!())
    };

    let renamed_from: Vec<_> = s
        .fields
        .iter()
        .map(|f| {
            let names = &f.attrs.renamed_from;
            quote!(&[#(#names),*])
        })
        .collect();
    let defaults: Vec<_> = s.fields.iter().map(|f| default_value(&s.private, f)).collect();
    let evolved = evolved_methods(s);
    let frozen = s.input.attrs.frozen.is_some();
    // A frozen struct's files store it as the program does (resolving
    // refuses any other), so views may hand out its stored form.
    let frozen_impl = frozen.then(|| {
        quote! {
            // SAFETY: `LAYOUT.frozen` makes resolving refuse a file that stores
            // the struct, or anything in it, otherwise.
            #[automatically_derived]
            unsafe impl #impl_generics #private::Frozen for #ident #args #where_clause {}
        }
    });
    let recursive_name = recursive_name(s.input, private);
    let write = deeper(
        s.input,
        private,
        Part::WriteOrRead,
        quote! {
            let mut raw: #raw #args = #private::bytemuck::Zeroable::zeroed();
            #(raw.#idents = <#tys as #private::Mapped>::write(#values, w);)*
            raw
        },
    );
    let write_reusing = deeper(
        s.input,
        private,
        Part::WriteOrRead,
        quote! {
            let mut raw: #raw #args = #private::bytemuck::Zeroable::zeroed();
            #(
                // SAFETY: the caller's promise covers every field.
                raw.#idents = unsafe {
                    <#tys as #private::Mapped>::write_reusing(#values, &old.#idents, file, w)
                };
            )*
            raw
        },
    );
    let validate = deeper(
        s.input,
        private,
        Part::Validate,
        quote! {
            #(v.field::<#tys>(#names, &raw.#idents)?;)*
            ::core::result::Result::Ok(())
        },
    );
    let read = deeper(s.input, private, Part::WriteOrRead, rebuild);

    let earlier_names = super::renamed_from(s.input);
    quote! {
        #check

        // SAFETY: `write` writes each field through its own `Mapped::write`, and
        // `validate` validates each field with its own `Mapped::validate`; views
        // pass the caller's promise on to the fields. The stored form is the
        // mirror struct, `Pod` with no implicit padding.
        #[automatically_derived]
        unsafe impl #impl_generics #private::Mapped for #ident #args #where_clause {
            type Raw = #raw #args;
            type View<'__mmf> = #view #view_args;
            type ViewMut<'__mmf> = #view_mut #view_args;
            const LAYOUT: &'static #private::Layout = &#private::Layout {
                name: #name,
                size: ::core::mem::size_of::<#raw #args>(),
                align: ::core::mem::align_of::<#raw #args>(),
                kind: #private::Kind::Struct(&[#(
                    #private::FieldLayout {
                        name: #names,
                        offset: ::core::mem::offset_of!(#raw #args, #idents),
                        size: ::core::mem::size_of::<<#tys as #private::Mapped>::Raw>(),
                        layout: <#layouts as #private::Mapped>::LAYOUT,
                        renamed_from: #renamed_from,
                        default: #defaults,
                    }
                ),*]),
                frozen: #frozen,
            };
            #earlier_names
            const CHECKED: bool = false #(|| <#tys as #private::Mapped>::CHECKED)*;
            const HAS_BLOCKS: bool = false #(|| <#tys as #private::Mapped>::HAS_BLOCKS)*;

            #[inline]
            fn write(&self, w: &mut #private::Writer<'_>) -> #raw #args {
                #checked
                #write
            }

            unsafe fn write_reusing(
                &self,
                old: &#raw #args,
                file: #private::FileRef<'_>,
                w: &mut #private::Writer<'_>,
            ) -> #raw #args {
                #checked
                #write_reusing
            }

            fn validate(raw: &#raw #args, v: &mut #private::Validator<'_>) -> #private::Result<()> {
                #checked
                #validate
            }

            #[inline]
            unsafe fn view<'__mmf>(raw: &'__mmf #raw #args, file: #private::FileRef<'__mmf>) -> #view #view_args {
                #checked
                // SAFETY: the caller's promise, passed on.
                #view { inner: unsafe { #private::StructRef::new(raw, file) } }
            }

            #[inline]
            unsafe fn view_mut<'__mmf>(raw: &'__mmf mut #raw #args, file: #private::FileMut<'__mmf>) -> #view_mut #view_args {
                #checked
                // SAFETY: the caller's promise, passed on.
                #view_mut { inner: unsafe { #private::StructMut::new(raw, file) } }
            }

            unsafe fn read(raw: &#raw #args, file: #private::FileRef<'_>) -> Self {
                #checked
                #read
            }

            #evolved
        }

        #recursive_name
        #frozen_impl

        // SAFETY: the stored form is the fields' stored forms and zeroed padding;
        // when every field is `Plain`, every bit pattern of it is valid.
        #[automatically_derived]
        unsafe impl #view_impl_generics #private::Plain for #ident #args
        where #predicates #(#private::Check<'__mmf, #tys>: #private::IsPlain),* {}

        // SAFETY: when every field is `Inline`, `write` allocates nothing.
        #[automatically_derived]
        unsafe impl #view_impl_generics #private::Inline for #ident #args
        where #predicates #(#private::Check<'__mmf, #tys>: #private::IsInline<#tys>),* {}
    }
}

/// `FieldLayout::default` of a field: its `#[mmf(default = …)]`, else its
/// type's `Default` if it has one (`DefaultOf`), else `None`.
pub(super) fn default_value(private: &TokenStream, field: &crate::ast::Field) -> TokenStream {
    let (ty, stored) = (field.ty, &field.stored);
    match &field.attrs.default {
        Some(expr) => {
            let value = if field.indirect {
                quote!(#private::Indirect::<#ty>(#expr))
            } else {
                quote!(#expr)
            };
            quote! {
                ::core::option::Option::Some(#private::DefaultValue(|| {
                    let value: #stored = #value;
                    #private::default_image::<#stored>(&value)
                }))
            }
        }
        None if field.indirect || field.recursive => quote!(::core::option::Option::None),
        None => quote!({
            use #private::NoDefault as _;
            #private::DefaultOf::<#ty>::VALUE
        }),
    }
}

/// `view_evolved` and `read_evolved`: views and values of the struct as a
/// file stores it otherwise than the program. Not for `frozen` types (a
/// file must store them as the program does), which keep the trait's
/// defaults.
fn evolved_methods(s: &Struct) -> TokenStream {
    if s.input.attrs.frozen.is_some() {
        return TokenStream::new();
    }
    let private = &s.private;
    let ident = s.input.ident;
    let (view, args) = (&s.view, s.args());
    let view_args = s.view_args_with(quote!('__mmf));
    let reads = s.fields.iter().enumerate().map(|(index, f)| {
        let ty = &f.stored;
        let unwrap = f.indirect.then(|| quote!(.0));
        // SAFETY (in the expansion): field `index` is of type `ty`.
        quote!(unsafe { evolved.read::<#ty>(#index) } #unwrap)
    });
    let members: Vec<_> = s.fields.iter().map(|f| &f.member).collect();
    let rebuild = if s.tuple {
        quote!(#ident(#(#reads),*))
    } else {
        quote!(#ident { #(#members: #reads),* })
    };
    let view_body = quote! {
        // SAFETY: the caller's promise, passed on.
        #view { inner: unsafe { #private::StructRef::evolved(at, how, file) } }
    };
    let rebuild = deeper(
        s.input,
        private,
        Part::WriteOrRead,
        quote! {
            let _ = ::core::marker::PhantomData::<#ident #args>;
            #rebuild
        },
    );
    let read_body = quote! {
        // SAFETY: the caller's promise, passed on to every field.
        let evolved = unsafe { #private::EvolvedRef::new(at, how, file) };
        #rebuild
    };
    evolved_fns(private, quote!(#view #view_args), view_body, read_body)
}

/// `Mapped::view_evolved` returning `view_ty`, and `Mapped::read_evolved`,
/// with these bodies (which see `at`, `how` and `file`).
pub(super) fn evolved_fns(
    private: &TokenStream,
    view_ty: TokenStream,
    view_body: TokenStream,
    read_body: TokenStream,
) -> TokenStream {
    quote! {
        #[inline]
        unsafe fn view_evolved<'__mmf>(
            at: ::core::ptr::NonNull<u8>,
            how: &'__mmf #private::Evolved,
            file: #private::FileRef<'__mmf>,
        ) -> #view_ty {
            #view_body
        }

        unsafe fn read_evolved(
            at: ::core::ptr::NonNull<u8>,
            how: &#private::Evolved,
            file: #private::FileRef<'_>,
        ) -> Self {
            #read_body
        }
    }
}
