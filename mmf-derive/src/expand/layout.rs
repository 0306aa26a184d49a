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
                    }
                ),*]),
            };
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
        }

        #recursive_name

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
