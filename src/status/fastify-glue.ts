// How the /__rdp/ modules meet Fastify: the instance type they register on (pino as its logger),
// and the proxy's own answers (text, JSON or a page, by Accept) sent through a reply.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { proxyAnswer } from '../proxy/answers.js';
import type { ErrorCode } from '../errors.js';

export type StatusServer = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

export function replyWith(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const answer = proxyAnswer(code, message, request.headers.accept);
  for (let i = 0; i + 1 < answer.headers.length; i += 2) reply.header(answer.headers[i]!, answer.headers[i + 1]!);
  return reply.code(answer.status).send(answer.body);
}
