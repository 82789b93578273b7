#!/usr/bin/env node
// Compares the CloudFormation templates of two cloud assemblies: the TypeScript twin's (the reference) and one
// language app's. Shared by run.sh and the Python, Java and Go checks, so the normalisation is defined once, here.
//
// Usage: node compare-templates.js [--any-version] REFERENCE_CDK_OUT ACTUAL_CDK_OUT [LABEL]
//   --any-version compares assemblies synthesized by different aws-cdk-lib releases (normally refused).
// Exit code: 0 when every stack's template is equal after normalisation, 1 when one differs, 2 on a usage error.
//
// Normalised away, and nothing else:
//   - the CDKMetadata resource, and the CDKMetadataAvailable condition that only it uses;
//   - every `Metadata` section (the template's and each resource's: aws:cdk:path, aws:asset:*, and so on);
//   - any other object key that starts with `aws:cdk:` or `aws:asset:`;
//   - asset hashes (64 hex digits) inside S3Key / S3ObjectKey / ImageUri values, such as a Lambda's Code.S3Key.
// Everything else - logical IDs, properties, list order, numbers versus strings, Outputs, Conditions, Parameters,
// Rules - must be identical.
'use strict';
const fs = require('fs');
const path = require('path');

const ASSET_KEYS = new Set(['S3Key', 'S3ObjectKey', 'ImageUri']);
const ASSET_HASH = /[0-9a-f]{64}/g;
const MAX_DIFFERENCES = 40;

function normalise(template) {
  const copy = JSON.parse(JSON.stringify(template));
  delete copy.Metadata;
  if (copy.Resources) {
    delete copy.Resources.CDKMetadata;
  }
  if (copy.Conditions) {
    delete copy.Conditions.CDKMetadataAvailable;
    if (Object.keys(copy.Conditions).length === 0) {
      delete copy.Conditions;
    }
  }
  for (const resource of Object.values(copy.Resources ?? {})) {
    delete resource.Metadata;
  }
  return scrub(copy, undefined);
}

function scrub(value, key) {
  if (Array.isArray(value)) {
    return value.map((item) => scrub(item, key));
  }
  if (value !== null && typeof value === 'object') {
    const result = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('aws:cdk:') || k.startsWith('aws:asset:')) {
        continue;
      }
      result[k] = scrub(v, ASSET_KEYS.has(k) ? k : key);
    }
    return result;
  }
  if (typeof value === 'string' && ASSET_KEYS.has(key)) {
    return value.replace(ASSET_HASH, '<asset-hash>');
  }
  return value;
}

/** Lists the differences between two JSON values as `path: reference ... actual` lines. */
function differences(expected, actual, where, out) {
  if (out.length >= MAX_DIFFERENCES) {
    return out;
  }
  const kind = (v) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(expected) !== kind(actual)) {
    out.push(`${where}: TypeScript has ${show(expected)}, this language has ${show(actual)}`);
  } else if (kind(expected) === 'array') {
    if (expected.length !== actual.length) {
      out.push(`${where}: TypeScript has ${expected.length} items, this language has ${actual.length}`);
    }
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      differences(expected[i], actual[i], `${where}[${i}]`, out);
    }
  } else if (kind(expected) === 'object') {
    for (const k of Object.keys(expected)) {
      if (!(k in actual)) {
        out.push(`${where}.${k}: only in TypeScript (${show(expected[k])})`);
      }
    }
    for (const k of Object.keys(actual)) {
      if (!(k in expected)) {
        out.push(`${where}.${k}: only in this language (${show(actual[k])})`);
      }
    }
    for (const k of Object.keys(expected)) {
      if (k in actual) {
        differences(expected[k], actual[k], `${where}.${k}`, out);
      }
    }
  } else if (expected !== actual) {
    out.push(`${where}: TypeScript has ${show(expected)}, this language has ${show(actual)}`);
  }
  return out;
}

function show(value) {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function templates(dir) {
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new Error(`${dir} is not a cloud assembly (no manifest.json); did the app synthesize?`);
  }
  return Object.fromEntries(fs.readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf-8'))]));
}

/** The aws-cdk-lib release that synthesized a cloud assembly, from its tree.json. */
function cdkVersion(dir) {
  const file = path.join(dir, 'tree.json');
  if (!fs.existsSync(file)) {
    return undefined;
  }
  const match = /"fqn":\s*"aws-cdk-lib\.[^"]*",\s*"version":\s*"([^"]+)"/.exec(fs.readFileSync(file, 'utf-8'));
  return match ? match[1] : undefined;
}

/** Compares two cloud assemblies; returns the problems found, an empty list when they are equal. */
function compareAssemblies(referenceDir, actualDir, { anyVersion = false } = {}) {
  const problems = [];
  const referenceVersion = cdkVersion(referenceDir);
  const actualVersion = cdkVersion(actualDir);
  if (referenceVersion !== actualVersion && !anyVersion) {
    problems.push(`aws-cdk-lib differs: the TypeScript twin ran on ${referenceVersion}, this language on ${actualVersion}; the templates are not comparable`);
    return problems;
  }
  const reference = templates(referenceDir);
  const actual = templates(actualDir);
  if (Object.keys(reference).length === 0) {
    problems.push(`${referenceDir} has no templates`);
  }
  for (const name of Object.keys(actual)) {
    if (!(name in reference)) {
      problems.push(`${name}: only this language synthesized it`);
    }
  }
  for (const [name, template] of Object.entries(reference)) {
    if (!(name in actual)) {
      problems.push(`${name}: this language did not synthesize it`);
      continue;
    }
    for (const line of differences(normalise(template), normalise(actual[name]), name.replace(/\.template\.json$/, ''), [])) {
      problems.push(line);
    }
  }
  return problems;
}

module.exports = { normalise, compareAssemblies, cdkVersion };

if (require.main === module) {
  const args = process.argv.slice(2);
  const anyVersion = args.includes('--any-version');
  const [referenceDir, actualDir, label = path.basename(actualDir ?? '')] = args.filter((a) => a !== '--any-version');
  if (!referenceDir || !actualDir) {
    console.error('usage: node compare-templates.js [--any-version] REFERENCE_CDK_OUT ACTUAL_CDK_OUT [LABEL]');
    process.exit(2);
  }
  let problems;
  try {
    problems = compareAssemblies(referenceDir, actualDir, { anyVersion });
  } catch (e) {
    console.error(`${label}: ${e.message}`);
    process.exit(2);
  }
  const stacks = Object.keys(templates(referenceDir)).map((f) => f.replace(/\.template\.json$/, '')).join(', ');
  if (problems.length === 0) {
    console.log(`${label}: ${stacks} equals the TypeScript twin's (aws-cdk-lib ${cdkVersion(actualDir)}, normalised)`);
    process.exit(0);
  }
  console.log(`${label}: ${stacks} differs from the TypeScript twin's:`);
  for (const line of problems) {
    console.log(`  ${line}`);
  }
  if (problems.length >= MAX_DIFFERENCES) {
    console.log(`  (first ${MAX_DIFFERENCES} differences only)`);
  }
  process.exit(1);
}
