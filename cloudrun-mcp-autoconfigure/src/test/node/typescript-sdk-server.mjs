// The MCP TypeScript SDK v2's own server (@modelcontextprotocol/server, pinned in the root
// package.json), serving the 2026-07-28 revision on 127.0.0.1 at the port given as the first
// argument, for the interoperability tests. It prints "listening <port>" once it accepts
// connections.
//
// MCP endpoint: /mcp. Test controls (plain POSTs, no MCP): /control/tools-changed,
// /control/resources-changed and /control/resource-updated?uri=... publish to the open
// subscriptions/listen streams.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import {
	McpServer,
	acceptedContent,
	createMcpHandler,
	createRequestStateCodec,
	fromJsonSchema,
	inputRequired
} from '@modelcontextprotocol/server';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
	console.error('usage: node typescript-sdk-server.mjs <port>');
	process.exit(2);
}

// The state of a multi-round-trip call is sealed (HMAC): a client that changed or invented it
// gets an error instead of a result.
const requestState = createRequestStateCodec({ key: randomBytes(32) });

const seatSchema = {
	type: 'object',
	properties: {
		seat: { type: 'string', description: 'Seat' },
		meal: { type: 'string', description: 'Meal', default: 'veg' }
	},
	required: ['seat']
};

function createServer() {
	const server = new McpServer(
		{ name: 'typescript-sdk-interop', version: '2.4.0' },
		{
			capabilities: { tools: { listChanged: true }, resources: { listChanged: true, subscribe: true } },
			requestState: { verify: requestState.verify }
		}
	);
	server.registerTool(
		'echo',
		{
			description: 'Echoes a message with the region it was routed to',
			inputSchema: fromJsonSchema({
				type: 'object',
				properties: {
					message: { type: 'string' },
					region: { type: 'string', 'x-mcp-header': 'Region' }
				},
				required: ['message']
			})
		},
		async ({ message, region }) => ({ content: [{ type: 'text', text: `${message} from ${region ?? '-'}` }] })
	);
	server.registerTool(
		'book',
		{
			description: 'Books a seat on a flight, asking the user which seat',
			inputSchema: fromJsonSchema({
				type: 'object',
				properties: { flight: { type: 'string' } },
				required: ['flight']
			})
		},
		async ({ flight }, ctx) => {
			const state = ctx.mcpReq.requestState();
			const answer = acceptedContent(ctx.mcpReq.inputResponses, 'seat');
			if (state === undefined || answer === undefined) {
				return inputRequired({
					inputRequests: {
						seat: inputRequired.elicit({ message: `Seat on ${flight}?`, requestedSchema: seatSchema })
					},
					requestState: await requestState.mint({ flight })
				});
			}
			return {
				content: [{ type: 'text', text: `${answer.seat} ${answer.meal ?? '?'} state-${state.flight}` }]
			};
		}
	);
	server.registerResource(
		'greeting',
		'greeting://hello',
		{ description: 'A greeting', mimeType: 'text/plain' },
		async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Hello from TypeScript' }] })
	);
	return server;
}

const handler = createMcpHandler(createServer, { onerror: (error) => console.error('mcp:', error.message) });

const server = http.createServer(async (req, res) => {
	try {
		const url = new URL(req.url, `http://127.0.0.1:${port}`);
		if (url.pathname.startsWith('/control/')) {
			control(url, res);
			return;
		}
		if (url.pathname !== '/mcp') {
			res.writeHead(404).end();
			return;
		}
		const body = (req.method === 'POST') ? await read(req) : undefined;
		const abort = new AbortController();
		res.on('close', () => abort.abort());
		const response = await handler.fetch(
			new Request(url, { method: req.method, headers: headersOf(req), body, signal: abort.signal })
		);
		res.writeHead(response.status, Object.fromEntries(response.headers));
		if (response.body) {
			for await (const chunk of response.body) {
				res.write(chunk);
			}
		}
		res.end();
	}
	catch (error) {
		if (!res.headersSent) {
			res.writeHead(500, { 'content-type': 'text/plain' });
		}
		res.end(String(error));
	}
});

function control(url, res) {
	switch (url.pathname) {
		case '/control/tools-changed':
			handler.notify.toolsChanged();
			break;
		case '/control/resources-changed':
			handler.notify.resourcesChanged();
			break;
		case '/control/resource-updated':
			handler.notify.resourceUpdated(url.searchParams.get('uri'));
			break;
		default:
			res.writeHead(404).end();
			return;
	}
	res.writeHead(204).end();
}

function headersOf(req) {
	const headers = new Headers();
	for (const [name, value] of Object.entries(req.headers)) {
		for (const one of [].concat(value)) {
			headers.append(name, one);
		}
	}
	return headers;
}

async function read(req) {
	const chunks = [];
	for await (const chunk of req) {
		chunks.push(chunk);
	}
	return Buffer.concat(chunks);
}

server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
	process.on(signal, () => {
		handler.close().finally(() => process.exit(0));
		server.closeAllConnections();
	});
}
