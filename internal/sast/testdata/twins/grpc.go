package twins

import (
	"context"
	"database/sql"
)

// The shape protoc-gen-go and protoc-gen-go-grpc generate, written out (no gRPC dependency).

type LookupRequest struct{ Name string }

type LookupReply struct{ ID string }

type UnimplementedUsersServer struct{}

func (UnimplementedUsersServer) Lookup(context.Context, *LookupRequest) (*LookupReply, error) {
	return nil, nil
}

// usersServer is a registered service implementation: its request messages are untrusted.
type usersServer struct {
	UnimplementedUsersServer
	db *sql.DB
}

func (s *usersServer) Lookup(ctx context.Context, req *LookupRequest) (*LookupReply, error) {
	s.db.QueryContext(ctx, "SELECT id FROM users WHERE name = '"+req.Name+"'") // want "go-sql-injection"
	s.db.QueryContext(ctx, "SELECT id FROM users WHERE name = ?", req.Name)    // ok "go-sql-injection"
	return &LookupReply{}, nil
}
