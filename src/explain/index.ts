// `slimts explain`: a build report read back as the original image's tree — each entry kept,
// dropped or added, why, and what caused it — for a terminal, a CI log, scripts and a web page.
export { loadReport, checkReport, type LoadedReport, type ReportInput } from './input.js';
export { explainModel, MARKS } from './model.js';
export { why, whyLines, type WhyAnswer } from './why.js';
export { top, topLines, type TopAnswer } from './top.js';
export { renderHtml, writeHtml } from './html.js';
