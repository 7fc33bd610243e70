// Downloads from an HF-compatible hub with the independent client @huggingface/hub, for the xunit tests.
//   node hf-download.mjs snapshot <hubUrl> <org/name> <cacheDir>          -> prints {"snapshot": "<dir>"}
//   node hf-download.mjs file <hubUrl> <org/name> <path> <outFile> [rev]  -> writes the bytes, prints {"size": n}
// The token, if any, comes from HF_TEST_TOKEN (never from argv, which `ps` shows).
import { writeFile } from "node:fs/promises";
import { snapshotDownload, downloadFile } from "@huggingface/hub";

const [mode, hubUrl, repo, ...rest] = process.argv.slice(2);
const accessToken = process.env.HF_TEST_TOKEN || undefined;
const credentials = accessToken ? { accessToken } : {};

try {
  if (mode === "snapshot") {
    const [cacheDir] = rest;
    const snapshot = await snapshotDownload({ repo: { type: "model", name: repo }, hubUrl, cacheDir, ...credentials });
    console.log(JSON.stringify({ snapshot }));
  } else if (mode === "file") {
    const [path, outFile, revision] = rest;
    const blob = await downloadFile({ repo: { type: "model", name: repo }, path, hubUrl, revision, ...credentials });
    if (blob === null) {
      console.log(JSON.stringify({ missing: true }));
    } else {
      const bytes = Buffer.from(await blob.arrayBuffer());
      await writeFile(outFile, bytes);
      console.log(JSON.stringify({ size: bytes.length }));
    }
  } else {
    console.error(`unknown mode '${mode}': use 'snapshot' or 'file'`);
    process.exit(2);
  }
} catch (error) {
  console.error(`download failed: ${error?.stack ?? error}`);
  process.exit(1);
}
