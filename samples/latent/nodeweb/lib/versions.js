'use strict';
// Loaded on first use of /versions; semver comes from /usr/share/nodejs (Debian's node-semver).
const semver = require('semver');
const { label } = require('./labels.json');

exports.summary = (versions) => ({
  label,
  sorted: semver.sort([...versions]),
  newestStable: semver.maxSatisfying(versions, '*'),
  satisfies: versions.filter((v) => semver.satisfies(v, '^2.0.0-0', { includePrerelease: true })),
});
