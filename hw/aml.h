/* A small ACPI Machine Language (AML) encoder for the tables Pacifica generates
 * (ACPI 6.4 §20 "ACPI Machine Language Specification"): enough to build a DSDT with
 * devices, names, packages, buffers and simple methods. Terms are built into growable
 * byte arrays (GByteArray) and nested by value. */
#ifndef PACIFICA_HW_AML_H
#define PACIFICA_HW_AML_H

#include <glib.h>
#include <stdint.h>

typedef GByteArray Aml;

Aml *aml_new(void);
void aml_free(Aml *a);
/* Appends b to a and frees b (the usual way to nest a term). */
void aml_append(Aml *a, Aml *b);
void aml_append_bytes(Aml *a, const void *p, size_t n);

Aml *aml_int(uint64_t v);               /* Zero/One/Ones or the smallest XxxConst */
Aml *aml_name_string(const char *path); /* "\\_SB_.PCI0", "_HID", "^PICF" */
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);                              /* EisaId("PNP0A03") */
Aml *aml_name(const char *name, Aml *value);                  /* Name(NAME, value) */
Aml *aml_scope(const char *name, Aml *body);                  /* Scope(NAME) { body } */
Aml *aml_device(const char *name, Aml *body);                 /* Device(NAME) { body } */
Aml *aml_method(const char *name, unsigned nargs, Aml *body); /* not serialized */
Aml *aml_package(Aml *elements, unsigned count);              /* Package(count) { elements } */
Aml *aml_buffer(const uint8_t *data, size_t len);
Aml *aml_return(Aml *value);
Aml *aml_store(Aml *value, Aml *target);
Aml *aml_if(Aml *predicate, Aml *body);
Aml *aml_arg(unsigned n);

/* Resource descriptors for _CRS buffers (ACPI 6.4 §6.4). */
void aml_res_word_bus(Aml *r, uint16_t min, uint16_t max);
void aml_res_word_io(Aml *r, uint16_t min, uint16_t max);
void aml_res_io(Aml *r, uint16_t base, uint8_t len);
void aml_res_dword_memory(Aml *r, uint32_t min, uint32_t max);
void aml_res_qword_memory(Aml *r, uint64_t min, uint64_t max);
void aml_res_memory32_fixed(Aml *r, uint32_t base, uint32_t len);
void aml_res_irq(Aml *r, unsigned irq);
/* Ends the template and wraps it as Buffer(). */
Aml *aml_res_template(Aml *r);

#endif
