/**
 * The script a user would otherwise write: the official openai SDK's files.create pointed at
 * the fake server. Usage: node bench/refs/openai-upload.mjs BASE_URL FILE
 */
import fs from 'node:fs';
import OpenAI from 'openai';

const [baseURL, file] = process.argv.slice(2);
const client = new OpenAI({ apiKey: process.env.MOONSHOT_API_KEY, baseURL, maxRetries: 0 });
const created = await client.files.create({ file: fs.createReadStream(file), purpose: 'file-extract' });
process.stdout.write(`${created.id}\n`);
