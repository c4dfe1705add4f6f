#!/usr/bin/python3
"""Checks that the JSON Schema documents in schemas/ and the decoder accept
exactly the same records.

For every example record in schemas/examples/:
  - the schema verdict (Draft 2020-12, formats asserted), with input records
    dispatched through schemas/input/event.schema.json and output records
    through the schema named by their "type";
  - for input records, the decoder's verdict from `mashflow validate`, once on
    the records as NDJSON and once on the same records as a MessagePack stream;
and asserts: valid examples are schema-valid, invalid ones schema-invalid;
schema-valid <=> decoder "ok" in both encodings; and for input-invalid and
input-precedence records, the decoder's reason equals the .reasons line.

  schema_check.py --mashflow PATH --schemas DIR [--outputs FILE...]
  schema_check.py --schemas DIR --schemas-only [--outputs FILE...]

--schemas-only checks the schemas and the examples without the decoder.
--outputs checks that every record of the given NDJSON files (what `replay`
writes) is valid against schemas/output/.

Runs with Debian's /usr/bin/python3 (python3-jsonschema, python3-msgpack).
Resolves every $ref from the local files; never touches the network.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

try:
    import msgpack
except ImportError:  # only needed for the decoder check
    msgpack = None

BASE_URI = "https://mashflow.invalid/schemas/"
INPUT_TYPES = ["contact", "contact_decision", "referral", "assessment_started",
               "assessment_authorised", "s47_started", "s47_outcome", "icpc"]
OUTPUT_TYPES = ["referral_enriched", "alert", "indicators", "deadletter"]
REASONS = ["bad_encoding", "not_a_map", "missing_field", "wrong_type", "bad_date",
           "bad_instant", "unknown_type", "too_long", "bad_enum", "bad_version", "too_late"]
# Reasons the input-invalid examples must cover: all but those a JSON value
# cannot show (bad_encoding) or that depend on the stream (too_late).
REASONS_COVERED = [r for r in REASONS if r not in ("bad_encoding", "too_late")]
MIN_VALID_PER_TYPE = 3
MAX_LISTED = 60  # mismatches listed per --outputs file


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, ok, where, expected, got):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{where}: expected {expected}, got {got}")
        return ok

    def fail(self, where, message):
        self.failures.append(f"{where}: {message}")


# ---- schemas ----

def load_schemas(root, ck):
    """Every *.schema.json under root, keyed by $id; each must be a valid
    2020-12 schema whose $id mirrors its path."""
    docs = {}
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".schema.json"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            try:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
            except (OSError, ValueError) as e:
                ck.fail(rel, f"cannot read schema: {e}")
                continue
            try:
                jsonschema.Draft202012Validator.check_schema(doc)
                ok = True
            except jsonschema.SchemaError as e:
                ok = False
                ck.fail(rel, f"not a valid 2020-12 schema: {e.message}")
            if ok:
                ck.check(doc.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
                         and doc.get("$id") == BASE_URI + rel and "title" in doc
                         and "description" in doc, rel,
                         f"$schema 2020-12, $id {BASE_URI + rel}, a title and a description",
                         f"$schema {doc.get('$schema')!r}, $id {doc.get('$id')!r}")
            docs[doc.get("$id", BASE_URI + rel)] = doc
    return docs


def _no_network(uri):
    raise jsonschema.RefResolutionError(f"{uri} is not a local schema (no network)")


def make_validators(docs):
    """A validator per schema $id, resolving references among the local
    documents only: with the `referencing` library where jsonschema has it
    (>= 4.18), with RefResolver before that."""
    fc = jsonschema.FormatChecker()
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:
        Registry = None
    validators = {}
    if Registry is not None:
        registry = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in docs.items())
        for uri, doc in docs.items():
            validators[uri] = jsonschema.Draft202012Validator(doc, registry=registry,
                                                              format_checker=fc)
    else:
        handlers = {"http": _no_network, "https": _no_network, "file": _no_network,
                    "ftp": _no_network}
        for uri, doc in docs.items():
            resolver = jsonschema.RefResolver(uri, doc, store=dict(docs), handlers=handlers)
            validators[uri] = jsonschema.Draft202012Validator(doc, resolver=resolver,
                                                              format_checker=fc)
    return validators


def schema_errors(validator, instance):
    """The validator's errors as short texts (empty: valid)."""
    out = []
    try:
        for e in validator.iter_errors(instance):
            where = "/".join(str(p) for p in e.absolute_path) or "(record)"
            out.append(f"{where}: {e.message}")
    except Exception as e:  # an unresolvable $ref, or a bug in a schema
        out.append(f"schema error: {type(e).__name__}: {e}")
    return out


def short(errors, n=2):
    text = "; ".join(errors[:n])
    if len(errors) > n:
        text += f"; (+{len(errors) - n} more)"
    return text if len(text) < 300 else text[:297] + "..."


# ---- example files ----

def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("repeated key in one object")
    return dict(pairs)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _ascii_strings(v):
    if isinstance(v, str):
        return v.isascii()
    if isinstance(v, list):
        return all(_ascii_strings(x) for x in v)
    if isinstance(v, dict):
        return all(k.isascii() and _ascii_strings(x) for k, x in v.items())
    return True


def read_records(path, ck, ascii_only):
    """[(line number, raw line, value)] of an NDJSON file. Every line must be
    one strict JSON value without repeated keys; with ascii_only its text and
    its strings must be ASCII, so that JSON Schema's character counts are the
    contract's byte counts."""
    rel = os.path.basename(path)
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        ck.fail(rel, f"cannot read: {e}")
        return out
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines, 1):
        where = f"{rel}:{i}"
        if not line.strip():
            ck.fail(where, "blank line (one record per line, no blank lines)")
            continue
        try:
            value = json.loads(line, object_pairs_hook=_no_duplicates,
                               parse_constant=_reject_constant)
        except ValueError as e:
            ck.fail(where, f"not strict JSON: {e}")
            continue
        if ascii_only and not (line.isascii() and _ascii_strings(value)):
            ck.fail(where, "examples must be ASCII (lengths are checked in bytes)")
            continue
        out.append((i, line, value))
    return out


def read_reasons(path, ck):
    """One expected reason code per line: the first word; the rest is a note."""
    rel = os.path.basename(path)
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        ck.fail(rel, f"cannot read: {e}")
        return out
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines, 1):
        words = line.split(None, 1)
        code = words[0] if words else ""
        if code not in REASONS:
            ck.fail(f"{rel}:{i}", f"{code!r} is not a reason code")
        out.append(code)
    return out


# ---- the decoder ----

def _msgpack_safe(v):
    """JSON numbers beyond MessagePack's 64-bit integers become floats, as a
    MessagePack writer would have to send them."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v if -(1 << 63) <= v < (1 << 64) else float(v)
    if isinstance(v, list):
        return [_msgpack_safe(x) for x in v]
    if isinstance(v, dict):
        return {k: _msgpack_safe(x) for k, x in v.items()}
    return v


def decoder_verdicts(mashflow, records, fmt, tmpdir, label, ck):
    """The decoder's verdict for each record, as [(ok, reason, text)], or None
    when `validate` could not be run or its output does not line up."""
    path = os.path.join(tmpdir, f"{label}.{fmt}")
    with open(path, "wb") as f:
        for _, line, value in records:
            if fmt == "ndjson":
                f.write(line.encode("utf-8") + b"\n")
            else:
                f.write(msgpack.packb(_msgpack_safe(value), use_bin_type=True))
    cmd = [mashflow, "validate", "--format", fmt, path]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        ck.fail(f"{label} ({fmt})", f"cannot run {' '.join(cmd)}: {e}")
        return None
    out = p.stdout.decode("utf-8", "replace").splitlines()
    err = p.stderr.decode("utf-8", "replace").strip()
    verdicts = []
    for text in out:
        words = text.split(None, 2)
        if words == ["ok"]:
            verdicts.append((True, None, text))
        elif len(words) >= 2 and words[0] == "reject":
            verdicts.append((False, words[1], text))
        else:
            ck.fail(f"{label} ({fmt})", f"unexpected validate output line {text!r}")
            return None
    where = f"{label} ({fmt}): mashflow validate"
    if not ck.check(len(verdicts) == len(records), where, f"{len(records)} verdicts",
                    f"{len(verdicts)} (exit {p.returncode}; {err[:200] or 'no stderr'})"):
        return None
    any_reject = any(not ok for ok, _, _ in verdicts)
    ck.check(p.returncode == (1 if any_reject else 0) and not err, where,
             f"exit {1 if any_reject else 0} and nothing on stderr",
             f"exit {p.returncode}, stderr {err[:200]!r}")
    return verdicts


# ---- checks ----

def input_schema_verdicts(records, validators, label, ck):
    """[(valid, errors)] for input records through event.schema.json, checking
    on the way that the dispatcher agrees with the type's own schema."""
    event = validators[BASE_URI + "input/event.schema.json"]
    out = []
    for i, _, value in records:
        errors = schema_errors(event, value)
        if isinstance(value, dict) and value.get("type") in INPUT_TYPES:
            own = validators.get(f"{BASE_URI}input/{value['type']}.schema.json")
            if own is not None:
                own_ok = not schema_errors(own, value)
                ck.check(own_ok == (not errors), f"{label}:{i}",
                         "event.schema.json and the type's schema to agree",
                         f"event.schema.json {'valid' if not errors else 'invalid'}, "
                         f"{value['type']}.schema.json {'valid' if own_ok else 'invalid'}")
        out.append((not errors, errors))
    return out


def output_schema_errors(value, validators):
    t = value.get("type") if isinstance(value, dict) else None
    v = validators.get(f"{BASE_URI}output/{t}.schema.json") if t in OUTPUT_TYPES else None
    if v is None:
        return [f"type {t!r} names no output schema"]
    return schema_errors(v, value)


def check_inputs(examples, validators, mashflow, ck, tmpdir):
    sets = [("input-valid.ndjson", True, None),
            ("input-invalid.ndjson", False, "input-invalid.reasons"),
            ("input-precedence.ndjson", False, "input-precedence.reasons")]
    counts = {}
    for name, want_valid, reasons_name in sets:
        path = os.path.join(examples, name)
        if not os.path.exists(path):
            if name == "input-precedence.ndjson":
                continue
            ck.fail(name, "missing")
            continue
        records = read_records(path, ck, ascii_only=True)
        reasons = None
        if reasons_name:
            reasons = read_reasons(os.path.join(examples, reasons_name), ck)
            total = sum(1 for _ in open(path, encoding="utf-8"))
            if not ck.check(len(reasons) == total, reasons_name,
                            f"{total} lines, one per record of {name}", f"{len(reasons)}"):
                reasons = None
        counts[name] = (records, reasons)

        verdicts = input_schema_verdicts(records, validators, name, ck)
        for (i, _, value), (ok, errors) in zip(records, verdicts):
            ck.check(ok == want_valid, f"{name}:{i}",
                     "schema-valid" if want_valid else "schema-invalid",
                     "schema-valid" if ok else f"schema-invalid ({short(errors)})")

        if mashflow is None:
            continue
        for fmt in ("ndjson", "msgpack"):
            dec = decoder_verdicts(mashflow, records, fmt, tmpdir, name.split(".")[0], ck)
            if dec is None:
                continue
            for (i, _, value), (sok, errors), (dok, dreason, dtext) in zip(records, verdicts,
                                                                              dec):
                where = f"{name}:{i} ({fmt})"
                exp_reason = reasons[i - 1] if reasons else None
                if sok:
                    expected = "decoder ok (the schemas accept the record)"
                elif exp_reason:
                    expected = f"decoder reject {exp_reason} (the schemas reject the record)"
                else:
                    expected = "decoder reject (the schemas reject the record)"
                good = dok == sok and (sok or exp_reason is None or dreason == exp_reason)
                ck.check(good, where, expected, repr(dtext))

    # The examples cover what the brief asks of them.
    valid = counts.get("input-valid.ndjson")
    if valid:
        per_type = {t: 0 for t in INPUT_TYPES}
        for _, _, value in valid[0]:
            if isinstance(value, dict) and value.get("type") in per_type:
                per_type[value["type"]] += 1
        thin = [f"{t} ({n})" for t, n in per_type.items() if n < MIN_VALID_PER_TYPE]
        ck.check(not thin, "input-valid.ndjson",
                 f"at least {MIN_VALID_PER_TYPE} records of each type", ", ".join(thin))
    invalid = counts.get("input-invalid.ndjson")
    if invalid and invalid[1]:
        missing = [r for r in REASONS_COVERED if r not in invalid[1]]
        ck.check(not missing, "input-invalid.reasons", "every reason but bad_encoding "
                 "and too_late at least once", "none for " + ", ".join(missing))


def check_output_examples(examples, validators, ck):
    for name, want_valid in (("output-valid.ndjson", True), ("output-invalid.ndjson", False)):
        path = os.path.join(examples, name)
        if not os.path.exists(path):
            ck.fail(name, "missing")
            continue
        records = read_records(path, ck, ascii_only=True)
        notes = {}
        notes_path = os.path.join(examples, name.replace(".ndjson", ".notes"))
        if os.path.exists(notes_path):
            with open(notes_path, encoding="utf-8") as f:
                notes = dict(enumerate(f.read().splitlines(), 1))
        seen = set()
        for i, _, value in records:
            errors = output_schema_errors(value, validators)
            if isinstance(value, dict):
                seen.add(value.get("type"))
            note = f" [{notes[i]}]" if i in notes else ""
            ck.check((not errors) == want_valid, f"{name}:{i}{note}",
                     "schema-valid" if want_valid else "schema-invalid",
                     "schema-valid" if not errors else f"schema-invalid ({short(errors)})")
        missing = [t for t in OUTPUT_TYPES if t not in seen]
        ck.check(not missing, name, "records of every output type",
                 "none of " + ", ".join(missing))


def check_output_files(files, validators, ck):
    for path in files:
        label = path
        records = read_records(path, ck, ascii_only=False)
        listed = bad = 0
        for i, _, value in records:
            errors = output_schema_errors(value, validators)
            if not errors:
                ck.passed += 1
                continue
            bad += 1
            if listed < MAX_LISTED:
                listed += 1
                ck.fail(f"{label}:{i}", f"expected schema-valid output, got {short(errors)}")
        if bad > listed:
            ck.fail(label, f"{bad - listed} more invalid records not listed")
        if not records:
            ck.fail(label, "no records")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mashflow", help="the mashflow binary (for `mashflow validate`)")
    ap.add_argument("--schemas", required=True, help="the schemas/ directory")
    ap.add_argument("--schemas-only", action="store_true",
                    help="check the schemas and examples only, without the decoder")
    ap.add_argument("--outputs", nargs="+", default=[], metavar="FILE",
                    help="NDJSON output files whose records must all be schema-valid")
    args = ap.parse_args()
    if not args.schemas_only and not args.mashflow:
        ap.error("--mashflow PATH is required unless --schemas-only is given")
    if not args.schemas_only and msgpack is None:
        ap.error("the decoder check needs python3-msgpack")

    ck = Checker()
    docs = load_schemas(args.schemas, ck)
    needed = [f"input/{t}.schema.json" for t in INPUT_TYPES + ["event"]] + \
             [f"output/{t}.schema.json" for t in OUTPUT_TYPES]
    absent = [n for n in needed if BASE_URI + n not in docs]
    if absent:
        ck.fail(args.schemas, "missing schema documents: " + ", ".join(absent))
    else:
        validators = make_validators(docs)
        examples = os.path.join(args.schemas, "examples")
        with tempfile.TemporaryDirectory(prefix="schema_check.") as tmpdir:
            check_inputs(examples, validators, None if args.schemas_only else args.mashflow,
                         ck, tmpdir)
        check_output_examples(examples, validators, ck)
        check_output_files(args.outputs, validators, ck)

    for f in ck.failures:
        print(f"FAIL {f}")
    print(f"schema_check: {ck.passed} passed, {len(ck.failures)} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
