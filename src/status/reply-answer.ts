// The proxy's own answers (text, JSON or a page, by Accept) sent through a Fastify reply.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { proxyAnswer } from '../proxy/answers.js';
import type { ErrorCode } from '../errors.js';

export function replyWith(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const answer = proxyAnswer(code, message, request.headers.accept);
  for (let i = 0; i + 1 < answer.headers.length; i += 2) reply.header(answer.headers[i]!, answer.headers[i + 1]!);
  return reply.code(answer.status).send(answer.body);
}
