/*
 * gateway/dispatch: the HTTP handler of hashid. Decides who is calling (client
 * certificate → local system or peer), which endpoint they may use, parses the SOAP
 * message and routes it by endpoint and wsa:Action to the registry backend, the responding
 * gateway or the initiating gateway.
 */
#ifndef HASHI_GATEWAY_DISPATCH_H
#define HASHI_GATEWAY_DISPATCH_H

struct http_req;

/* The http_server handler; ARG is the struct gw. */
void dispatch_request(struct http_req *req, void *arg);

#endif
